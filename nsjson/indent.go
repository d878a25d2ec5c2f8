package nsjson

import "bufio"

// indentTo lays out compact JSON (as encoding/json writes it) for people,
// writing to w as it goes so that the laid-out document is never held in
// memory next to the compact one: one key or element per line, two spaces
// per level, like [encoding/json.MarshalIndent]; except that an array of scalars (a
// PID list) always stays on one line, and so does a small container holding
// nothing deeper than that (a namespace reference, a task, the lines of an
// ID map).
func indentTo(w *bufio.Writer, src []byte) {
	p := &indenter{src: src, out: w}
	p.value(0)
}

type indenter struct {
	src []byte
	pos int
	out *bufio.Writer
}

func (p *indenter) value(depth int) {
	switch p.src[p.pos] {
	case '{', '[':
		end, height := p.span()
		// Only small containers are measured: the one-line form of the
		// whole document would be a copy of it.
		if (height == 1 && p.src[p.pos] == '[') || (height <= 2 && p.oneLineLen(end) <= maxInline) {
			p.oneLine(end)
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
		p.out.Write(p.src[start:p.pos])
	}
}

func (p *indenter) container(depth int, closer byte) {
	p.out.WriteByte(p.src[p.pos])
	p.pos++
	if p.src[p.pos] == closer {
		p.out.WriteByte(closer)
		p.pos++
		return
	}
	for {
		p.newline(depth + 1)
		if closer == '}' {
			p.str() // key
			p.pos++ // ':'
			p.out.WriteString(": ")
		}
		p.value(depth + 1)
		if p.src[p.pos] == ',' {
			p.out.WriteByte(',')
			p.pos++
			continue
		}
		p.newline(depth)
		p.out.WriteByte(closer)
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

// oneLine writes the container from p.pos to end on one line, with a
// space after each comma and colon.
func (p *indenter) oneLine(end int) {
	p.scanOneLine(end, func(c byte) { p.out.WriteByte(c) })
}

// oneLineLen is the length oneLine would write.
func (p *indenter) oneLineLen(end int) int {
	n := 0
	p.scanOneLine(end, func(byte) { n++ })
	return n
}

func (p *indenter) scanOneLine(end int, emit func(byte)) {
	inString := false
	for i := p.pos; i <= end; i++ {
		c := p.src[i]
		emit(c)
		switch {
		case inString && c == '\\':
			i++
			emit(p.src[i])
		case c == '"':
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			emit(' ')
		}
	}
}

func (p *indenter) str() {
	start := p.pos
	for p.pos++; p.src[p.pos] != '"'; p.pos++ {
		if p.src[p.pos] == '\\' {
			p.pos++
		}
	}
	p.pos++
	p.out.Write(p.src[start:p.pos])
}

func (p *indenter) newline(depth int) {
	p.out.WriteByte('\n')
	for range depth {
		p.out.WriteString("  ")
	}
}
