package nsjson

// indent lays out compact JSON (as encoding/json writes it) for people:
// one key or element per line, two spaces per level, like
// json.MarshalIndent; except that an array of scalars (a PID list) always
// stays on one line, and so does a small container holding nothing deeper
// than that (a namespace reference, a task, the lines of an ID map).
func indent(src []byte) []byte {
	p := &indenter{src: src}
	p.value(0)
	return p.out
}

type indenter struct {
	src []byte
	pos int
	out []byte
}

func (p *indenter) value(depth int) {
	switch p.src[p.pos] {
	case '{', '[':
		end, height := p.span()
		if one := p.oneLine(end); (height == 1 && p.src[p.pos] == '[') || (height <= 2 && len(one) <= maxInline) {
			p.out = append(p.out, one...)
			p.pos = end + 1
		} else if p.src[p.pos] == '{' {
			p.container(depth, '}')
		} else {
			p.container(depth, ']')
		}
	case '"':
		p.str()
	default: // number, true, false, null
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] != ',' && p.src[p.pos] != ']' && p.src[p.pos] != '}' {
			p.pos++
		}
		p.out = append(p.out, p.src[start:p.pos]...)
	}
}

func (p *indenter) container(depth int, closer byte) {
	p.out = append(p.out, p.src[p.pos])
	p.pos++
	if p.src[p.pos] == closer {
		p.out = append(p.out, closer)
		p.pos++
		return
	}
	for {
		p.newline(depth + 1)
		if closer == '}' {
			p.str() // key
			p.pos++ // ':'
			p.out = append(p.out, ':', ' ')
		}
		p.value(depth + 1)
		if p.src[p.pos] == ',' {
			p.out = append(p.out, ',')
			p.pos++
			continue
		}
		p.newline(depth)
		p.out = append(p.out, closer)
		p.pos++
		return
	}
}

// maxInline is the widest a container other than an array of scalars may
// be and still be written on one line.
const maxInline = 100

// span reports where the container at p.pos ends and how deeply it nests
// (1 for one holding only scalars).
func (p *indenter) span() (end, height int) {
	depth, inString := 0, false
	for i := p.pos; i < len(p.src); i++ {
		c := p.src[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			height = max(height, depth)
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				return i, height
			}
		}
	}
	panic("nsjson: unbalanced JSON") // src comes from encoding/json
}

// oneLine returns the container from p.pos to end on one line, with a
// space after each comma and colon.
func (p *indenter) oneLine(end int) []byte {
	var out []byte
	inString := false
	for i := p.pos; i <= end; i++ {
		c := p.src[i]
		out = append(out, c)
		switch {
		case inString && c == '\\':
			i++
			out = append(out, p.src[i])
		case c == '"':
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			out = append(out, ' ')
		}
	}
	return out
}

func (p *indenter) str() {
	start := p.pos
	for p.pos++; p.src[p.pos] != '"'; p.pos++ {
		if p.src[p.pos] == '\\' {
			p.pos++
		}
	}
	p.pos++
	p.out = append(p.out, p.src[start:p.pos]...)
}

func (p *indenter) newline(depth int) {
	p.out = append(p.out, '\n')
	for range depth {
		p.out = append(p.out, ' ', ' ')
	}
}
