package sanitize

// A routine created under sql_mode NO_BACKSLASH_ESCAPES is dumped after a
// SET sql_mode that turns it on, and its body is read by the server (and
// split by the client) without backslash escapes: 'C:\' is a whole string.
// The lexer must follow, or it would run past the string's end and take
// data for statements. mysqldump's pattern is
//
//	SET @saved_sql_mode = @@sql_mode; SET sql_mode = '...'; ...; SET sql_mode = @saved_sql_mode
//
// so the SET statements that pass are read for assignments to sql_mode (a
// literal, or a user variable that saved it) and for user variables that
// save it.

// trackSQLMode updates the lexer from one SET statement's body.
func (f *filter) trackSQLMode(body []byte) {
	z := tokenizer{s: body, final: true}
	if !z.wordIs(z.next(), "SET") {
		return
	}
	var toks []token
	depth := 0
	apply := func() {
		f.applyModeAssignment(body, toks)
		toks = toks[:0]
	}
	for t := z.next(); t.kind != tokEOF; t = z.next() {
		switch {
		case depth == 0 && z.punctIs(t, ','):
			apply()
			continue
		case z.punctIs(t, '('):
			depth++
		case z.punctIs(t, ')'):
			depth--
		}
		toks = append(toks, t)
	}
	apply()
}

// applyModeAssignment handles one assignment: target = value (or :=).
func (f *filter) applyModeAssignment(s []byte, toks []token) {
	eq := -1
	for i, t := range toks {
		if t.kind == tokPunct && s[t.start] == '=' {
			eq = i
			break
		}
	}
	var target token
	for i := eq - 1; i >= 0; i-- {
		if toks[i].kind == tokWord {
			target = toks[i]
			break
		}
	}
	if eq < 0 || target.kind != tokWord || eq == len(toks)-1 {
		return
	}
	name, value := s[target.start:target.end], toks[eq+1:]
	if isUserVar(s, target.start) { // SET @saved = @@sql_mode
		if isSQLModeRead(s, value) {
			if f.savedModes == nil {
				f.savedModes = map[string]bool{}
			}
			f.savedModes[string(lower(name))] = f.lex.noBackslash
		}
		return
	}
	if !upperEq(name, "SQL_MODE") {
		return
	}
	v := value[len(value)-1]
	switch {
	case len(value) == 1 && v.kind == tokQuoted: // SET sql_mode = '...'
		f.lex.noBackslash = containsFold(unquote(s[v.start:v.end]), "NO_BACKSLASH_ESCAPES")
	case len(value) == 2 && v.kind == tokWord && isUserVar(s, v.start): // SET sql_mode = @saved
		if saved, ok := f.savedModes[string(lower(s[v.start:v.end]))]; ok {
			f.lex.noBackslash = saved
		}
	case len(value) == 1 && upperEq(s[v.start:v.end], "DEFAULT"):
		f.lex.noBackslash = false // the global mode is unknown here; mysqldump never writes this
	}
}

// isSQLModeRead: the value is @@sql_mode, @@SESSION.sql_mode or similar.
func isSQLModeRead(s []byte, value []token) bool {
	last := value[len(value)-1]
	return last.kind == tokWord && upperEq(s[last.start:last.end], "SQL_MODE") && !isUserVar(s, last.start)
}

func lower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

func containsFold(s, upper string) bool {
	for i := 0; i+len(upper) <= len(s); i++ {
		if upperEq([]byte(s[i:i+len(upper)]), upper) {
			return true
		}
	}
	return false
}
