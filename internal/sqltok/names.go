package sqltok

// New returns a Tokenizer over the whole of s.
func New(s string) *Tokenizer { return &Tokenizer{S: []byte(s), Final: true} }

// Text is the token's text as written.
func (z *Tokenizer) Text(t Token) string { return string(z.S[t.Start:t.End]) }

// Ident is an identifier token's name: a bare word as written, a quoted one
// unquoted. ok is false for anything else.
func (z *Tokenizer) Ident(t Token) (string, bool) {
	switch t.Kind {
	case Word:
		return z.Text(t), true
	case Quoted:
		return Unquote(z.S[t.Start:t.End]), true
	}
	return "", false
}

// Peek returns the next token without consuming it.
func (z *Tokenizer) Peek() Token {
	save := *z
	t := z.Next()
	*z = save
	return t
}

// Accept consumes the next token when it is the bare word w (upper case).
func (z *Tokenizer) Accept(w string) bool {
	save := *z
	if t := z.Next(); z.WordIs(t, w) {
		return true
	}
	*z = save
	return false
}

// AcceptSeq consumes the words ws when they come next, in order; otherwise it
// consumes nothing.
func (z *Tokenizer) AcceptSeq(ws ...string) bool {
	save := *z
	for _, w := range ws {
		if !z.Accept(w) {
			*z = save
			return false
		}
	}
	return true
}

// QualifiedName reads a name written name, db.name or with quotes (`db`.`name`),
// as the statement's next tokens. start and end are its byte offsets.
func (z *Tokenizer) QualifiedName() (db, name string, start, end int, ok bool) {
	t := z.Next()
	first, ok := z.Ident(t)
	if !ok {
		return "", "", 0, 0, false
	}
	start, end = t.Start, t.End
	save := *z
	if dot := z.Next(); z.PunctIs(dot, '.') {
		t2 := z.Next()
		if second, ok := z.Ident(t2); ok {
			return first, second, start, t2.End, true
		}
	}
	*z = save
	return "", first, start, end, true
}
