-- A small application's history as a DBA would load it into a new primary with the
-- stock client: databases with their own character sets, InnoDB and MyISAM tables,
-- triggers that write other tables (one ordered after another), a procedure, a
-- function, a view, events (one enabled, one disabled), the application's account
-- and its grants, and rows written through all of them. Nothing of it is ever
-- created on the standby by hand: replicate --from-start must bring all of it.
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE crm CHARACTER SET latin1;
USE shop;
CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(190) NOT NULL UNIQUE,
  balance DECIMAL(12,2) NOT NULL DEFAULT 0,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new',
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE order_audit (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL,
  what VARCHAR(32) NOT NULL
) ENGINE=InnoDB;
CREATE TABLE page_hits (page VARCHAR(64) NOT NULL, hits INT NOT NULL, PRIMARY KEY (page)) ENGINE=MyISAM;
CREATE TABLE ticks (at DATETIME(6) NOT NULL) ENGINE=InnoDB;

DELIMITER ;;
CREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW
  SET NEW.created_at = IFNULL(NEW.created_at, NOW(6)) ;;
CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW
BEGIN
  INSERT INTO order_audit (order_id, what) VALUES (NEW.id, 'placed');
  UPDATE customers SET balance = balance - NEW.total WHERE id = NEW.customer_id;
END ;;
CREATE TRIGGER orders_ai_hits AFTER INSERT ON orders FOR EACH ROW FOLLOWS orders_ai
  INSERT INTO page_hits VALUES ('checkout', 1) ON DUPLICATE KEY UPDATE hits = hits + 1 ;;
CREATE TRIGGER orders_au AFTER UPDATE ON orders FOR EACH ROW
  IF NEW.status <> OLD.status THEN
    INSERT INTO order_audit (order_id, what) VALUES (NEW.id, CONCAT('status ', NEW.status));
  END IF ;;
CREATE PROCEDURE place_order(IN c INT UNSIGNED, IN amount DECIMAL(12,2))
BEGIN
  INSERT INTO orders (customer_id, total, created_at) VALUES (c, amount, NULL);
END ;;
CREATE FUNCTION vat(amount DECIMAL(12,2)) RETURNS DECIMAL(12,2) DETERMINISTIC RETURN amount * 0.2 ;;
CREATE EVENT tick ON SCHEDULE EVERY 1 SECOND DO INSERT INTO ticks VALUES (NOW(6)) ;;
CREATE EVENT nightly_cleanup ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM ticks ;;
DELIMITER ;
CREATE VIEW order_totals AS SELECT customer_id, SUM(total) AS spent, SUM(vat(total)) AS vat FROM orders GROUP BY customer_id;

CREATE USER shop_app@'%' IDENTIFIED BY 'app-Pa55/w#rd%';
GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON shop.* TO shop_app@'%';

INSERT INTO customers (name, email, balance) VALUES
  ('Zoë Müller', 'zoe@example.com', 1000), ('Łukasz García', 'lukasz@example.com', 500), ('王芳', 'fang@example.com', 250);
CALL place_order(1, 19.99);
CALL place_order(2, 5.00);
INSERT INTO orders (customer_id, total, created_at) VALUES (3, 42.00, '2026-12-01 10:00:00.123456');
UPDATE orders SET status = 'paid' WHERE id IN (1, 3);

USE crm;
CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(100)) ENGINE=InnoDB;
INSERT INTO notes VALUES (1, 'café'), (2, 'naïve');
