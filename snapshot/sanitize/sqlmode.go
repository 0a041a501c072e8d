package sanitize

import "github.com/pilotlight-dr/pilotlight/internal/sqltok"

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
	z := sqltok.Tokenizer{S: body, Final: true}
	if !z.WordIs(z.Next(), "SET") {
		return
	}
	var toks []sqltok.Token
	depth := 0
	apply := func() {
		f.applyModeAssignment(body, toks)
		toks = toks[:0]
	}
	for t := z.Next(); t.Kind != sqltok.EOF; t = z.Next() {
		switch {
		case depth == 0 && z.PunctIs(t, ','):
			apply()
			continue
		case z.PunctIs(t, '('):
			depth++
		case z.PunctIs(t, ')'):
			depth--
		}
		toks = append(toks, t)
	}
	apply()
}

// applyModeAssignment handles one assignment: target = value (or :=).
func (f *filter) applyModeAssignment(s []byte, toks []sqltok.Token) {
	eq := -1
	for i, t := range toks {
		if t.Kind == sqltok.Punct && s[t.Start] == '=' {
			eq = i
			break
		}
	}
	var target sqltok.Token
	for i := eq - 1; i >= 0; i-- {
		if toks[i].Kind == sqltok.Word {
			target = toks[i]
			break
		}
	}
	if eq < 0 || target.Kind != sqltok.Word || eq == len(toks)-1 {
		return
	}
	name, value := s[target.Start:target.End], toks[eq+1:]
	if isUserVar(s, target.Start) { // SET @saved = @@sql_mode
		if isSQLModeRead(s, value) {
			if f.savedModes == nil {
				f.savedModes = map[string]bool{}
			}
			f.savedModes[string(lower(name))] = f.lex.noBackslash
		}
		return
	}
	if !sqltok.UpperEq(name, "SQL_MODE") {
		return
	}
	v := value[len(value)-1]
	switch {
	case len(value) == 1 && v.Kind == sqltok.Quoted: // SET sql_mode = '...'
		f.lex.noBackslash = containsFold(sqltok.Unquote(s[v.Start:v.End]), "NO_BACKSLASH_ESCAPES")
	case len(value) == 2 && v.Kind == sqltok.Word && isUserVar(s, v.Start): // SET sql_mode = @saved
		if saved, ok := f.savedModes[string(lower(s[v.Start:v.End]))]; ok {
			f.lex.noBackslash = saved
		}
	case len(value) == 1 && sqltok.UpperEq(s[v.Start:v.End], "DEFAULT"):
		f.lex.noBackslash = false // the global mode is unknown here; mysqldump never writes this
	}
}

// isSQLModeRead: the value is @@sql_mode, @@SESSION.sql_mode or similar.
func isSQLModeRead(s []byte, value []sqltok.Token) bool {
	last := value[len(value)-1]
	return last.Kind == sqltok.Word && sqltok.UpperEq(s[last.Start:last.End], "SQL_MODE") && !isUserVar(s, last.Start)
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
		if sqltok.UpperEq([]byte(s[i:i+len(upper)]), upper) {
			return true
		}
	}
	return false
}
