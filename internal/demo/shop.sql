-- The demo's sample database: a small shop with a few thousand rows of DECIMAL money,
-- DATETIME(6) times, utf8mb4 text (accents, CJK, Cyrillic, emoji), JSON attributes, ENUMs,
-- NULLs and foreign keys; plus the procedures the demo's writer calls. Rows come from
-- MariaDB's SEQUENCE engine (seq_1_to_N), so loading takes well under a second.
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop;

CREATE TABLE customers (
  id         INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name       VARCHAR(100) NOT NULL,
  email      VARCHAR(190) NOT NULL,
  country    CHAR(2) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY email (email)
) ENGINE=InnoDB;

CREATE TABLE products (
  id    INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sku   VARCHAR(32) NOT NULL,
  name  VARCHAR(200) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  stock INT NOT NULL,
  attrs JSON NOT NULL,
  UNIQUE KEY sku (sku)
) ENGINE=InnoDB;

CREATE TABLE orders (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  status      ENUM('new','paid','shipped','delivered','cancelled') NOT NULL DEFAULT 'new',
  total       DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  note        TEXT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY customer (customer_id),
  KEY status (status),
  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE order_items (
  order_id   BIGINT UNSIGNED NOT NULL,
  line       TINYINT UNSIGNED NOT NULL,
  product_id INT UNSIGNED NOT NULL,
  qty        SMALLINT UNSIGNED NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, line),
  KEY product (product_id),
  CONSTRAINT items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
  CONSTRAINT items_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB;

-- 2,000 customers, 500 products, 5,000 orders with 1-3 items each.
INSERT INTO customers (name, email, country, created_at)
SELECT CONCAT(ELT(1 + seq % 8, 'Zoë', 'Łukasz', '王芳', 'José', 'Aïcha', 'Søren', 'Даша', 'Nguyễn'), ' ',
              ELT(1 + (seq DIV 8) % 6, 'Müller', 'García', 'Kowalski', 'Tanaka', 'O''Brien', 'Дмитриев')),
       CONCAT('customer', seq, '@example.com'),
       ELT(1 + seq % 6, 'DE', 'PL', 'CN', 'ES', 'FR', 'DK'),
       TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 7919 SECOND + INTERVAL seq * 1234 MICROSECOND
FROM seq_1_to_2000;

INSERT INTO products (sku, name, price, stock, attrs)
SELECT CONCAT('SKU-', LPAD(seq, 5, '0')),
       CONCAT(ELT(1 + seq % 5, 'Tasse', 'Café filtre', 'Teekanne 🫖', 'Écharpe', '马克杯 ☕'), ' #', seq),
       ROUND(1 + (seq * 3731 % 9999) / 100, 2),
       1000,
       JSON_OBJECT('color', ELT(1 + seq % 4, 'red', 'blue', 'grün', 'noir'), 'weight_g', 100 + seq % 900,
                   'tags', JSON_ARRAY('demo', IF(seq % 2, 'sale', 'new')))
FROM seq_1_to_500;

INSERT INTO orders (customer_id, status, note, created_at, updated_at)
SELECT 1 + (seq * 7) % 2000,
       ELT(1 + seq % 5, 'new', 'paid', 'shipped', 'delivered', 'cancelled'),
       IF(seq % 10 = 0, ELT(1 + seq % 3, 'Bitte klingeln 🔔', 'Laisser chez le voisin', '请放在门口'), NULL),
       TIMESTAMP'2026-06-01 00:00:00' + INTERVAL seq * 613 SECOND + INTERVAL seq * 4321 MICROSECOND,
       TIMESTAMP'2026-06-01 00:00:00' + INTERVAL seq * 613 SECOND + INTERVAL seq * 4321 MICROSECOND
FROM seq_1_to_5000;

INSERT INTO order_items (order_id, line, product_id, qty, unit_price)
SELECT o.id, l.seq, p.id, 1 + (o.id + l.seq) % 4, p.price
FROM orders o
JOIN seq_1_to_3 l ON l.seq <= 1 + o.id % 3
JOIN products p ON p.id = 1 + (o.id * 13 + l.seq * 7) % 500;

UPDATE orders o
JOIN (SELECT order_id, SUM(qty * unit_price) AS total FROM order_items GROUP BY order_id) t ON t.order_id = o.id
SET o.total = t.total;

DELIMITER //

-- One new order with 1-3 items, the products' stock and JSON attributes updated: one transaction.
CREATE PROCEDURE place_order()
BEGIN
  DECLARE o BIGINT UNSIGNED;
  DECLARE n, i, pid INT;
  START TRANSACTION;
  INSERT INTO orders (customer_id, note, created_at, updated_at)
  VALUES (1 + FLOOR(RAND() * 2000), IF(RAND() < 0.2, 'Geschenkverpackung 🎁', NULL), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
  SET o = LAST_INSERT_ID(), n = 1 + FLOOR(RAND() * 3), i = 1;
  WHILE i <= n DO
    SET pid = 1 + FLOOR(RAND() * 500);
    INSERT INTO order_items (order_id, line, product_id, qty, unit_price)
    SELECT o, i, id, 1 + FLOOR(RAND() * 3), price FROM products WHERE id = pid;
    UPDATE products SET stock = stock - 1,
      attrs = JSON_SET(attrs, '$.last_sold', DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ'))
    WHERE id = pid;
    SET i = i + 1;
  END WHILE;
  UPDATE orders SET total = (SELECT SUM(qty * unit_price) FROM order_items WHERE order_id = o) WHERE id = o;
  COMMIT;
END //

-- A few orders move one step along; now and then a new order is cancelled and its items go.
CREATE PROCEDURE advance_orders()
BEGIN
  DECLARE o BIGINT UNSIGNED;
  UPDATE orders SET status = ELT(FIELD(status, 'new', 'paid', 'shipped'), 'paid', 'shipped', 'delivered'),
    updated_at = UTC_TIMESTAMP(6)
  WHERE status IN ('new', 'paid', 'shipped') ORDER BY RAND() LIMIT 5;
  IF RAND() < 0.3 THEN
    SET o = (SELECT id FROM orders WHERE status = 'new' ORDER BY RAND() LIMIT 1);
    START TRANSACTION;
    DELETE FROM order_items WHERE order_id = o;
    UPDATE orders SET status = 'cancelled', total = 0, updated_at = UTC_TIMESTAMP(6) WHERE id = o;
    COMMIT;
  END IF;
END //

-- A tenth of the catalogue changes price: one transaction of 50 row updates.
CREATE PROCEDURE reprice()
BEGIN
  UPDATE products SET price = ROUND(price * (0.95 + RAND() / 10), 2) WHERE id % 10 = FLOOR(RAND() * 10);
END //

DELIMITER ;
