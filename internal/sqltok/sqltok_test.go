package sqltok

import "testing"

func TestTokens(t *testing.T) {
	z := New("/* c */ CREATE /*!50017 DEFINER=`r`@`%`*/ -- x\n TRIGGER `d`.`t 1` 'it''s' \"q\\\"\" ;")
	var got []string
	for tok := z.Next(); tok.Kind != EOF; tok = z.Next() {
		got = append(got, z.Text(tok))
	}
	want := []string{"CREATE", "DEFINER", "=", "`r`", "@", "`%`", "TRIGGER", "`d`", ".", "`t 1`", "'it''s'", "\"q\\\"\"", ";"}
	if len(got) != len(want) {
		t.Fatalf("tokens %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("tokens %q, want %q", got, want)
		}
	}
	if z.Short {
		t.Error("a whole statement was taken as cut short")
	}
}

func TestQualifiedNameAndAccept(t *testing.T) {
	z := New("IF NOT EXISTS `my db` . tbl rest")
	if !z.AcceptSeq("IF", "NOT", "EXISTS") || z.Accept("IF") {
		t.Fatal("AcceptSeq/Accept")
	}
	db, name, _, _, ok := z.QualifiedName()
	if !ok || db != "my db" || name != "tbl" {
		t.Errorf("QualifiedName = %q %q %v", db, name, ok)
	}
	if w := z.Peek(); !z.WordIs(w, "REST") {
		t.Errorf("Peek = %q", z.Text(w))
	}
	z = New("'unterminated")
	if tok := z.Next(); tok.Kind != EOF || !z.Short {
		t.Errorf("an unterminated literal: %v short=%v", tok.Kind, z.Short)
	}
	if got := Unquote([]byte(`'a\nb''c'`)); got != "a\nb'c" {
		t.Errorf("Unquote = %q", got)
	}
}
