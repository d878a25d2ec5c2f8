package nsjson

import (
	"bufio"
	"bytes"
)

// indentTo lays out compact JSON (as encoding/json writes it) for people,
// writing to w as it goes so that the laid-out document is never held in
// memory next to the compact one: one key or element per line, two spaces
// per level, like [encoding/json.MarshalIndent]; except that an array of
// scalars (a PID list) always stays on one line, and so does a small
// container holding nothing deeper than that (a namespace reference, a
// task, the lines of an ID map) when it fits in [maxInline] columns.
//
// One pass over src first measures every container (see measure), so the
// layout itself never scans ahead.
// depth is the nesting level src starts at (0 for a whole document).
func indentTo(w *bufio.Writer, src []byte, depth int) {
	p := &indenter{src: src, out: w, spans: measure(src)}
	p.value(depth)
}

// maxInline is the widest a container other than an array of scalars may
// be and still be written on one line.
const maxInline = 100

// span describes one container of the compact text.
type span struct {
	end    int32 // index of its closing bracket
	seps   int32 // commas and colons inside it, nested ones included
	nested int32 // containers inside it, nested ones included
	height int32 // 1: holds only scalars; 2: holds containers of height 1; ...
}

// measure returns the span of every container of src, in the order they
// open.
func measure(src []byte) []span {
	// Brackets inside strings make this an estimate, which is all a
	// capacity needs.
	spans := make([]span, 0, bytes.Count(src, []byte{'{'})+bytes.Count(src, []byte{'['}))
	var open []int // indices into spans of the containers still open
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			for i++; src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			open = append(open, len(spans))
			spans = append(spans, span{height: 1})
		case ',', ':':
			spans[open[len(open)-1]].seps++
		case '}', ']':
			k := open[len(open)-1]
			open = open[:len(open)-1]
			spans[k].end = int32(i)
			if len(open) > 0 {
				parent := &spans[open[len(open)-1]]
				parent.height = max(parent.height, spans[k].height+1)
				parent.seps += spans[k].seps
				parent.nested += spans[k].nested + 1
			}
		}
	}
	return spans
}

type indenter struct {
	src   []byte
	pos   int
	out   *bufio.Writer
	spans []span
	next  int // the span of the next container to open
}

func (p *indenter) value(depth int) {
	switch open := p.src[p.pos]; open {
	case '{', '[':
		sp := p.spans[p.next]
		// The one-line form adds a space after each comma and colon.
		width := int(sp.end) - p.pos + 1 + int(sp.seps)
		if (sp.height == 1 && open == '[') || (sp.height <= 2 && width <= maxInline) {
			p.oneLine(int(sp.end))
			p.next += 1 + int(sp.nested)
			return
		}
		p.next++
		if open == '{' {
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

// oneLine writes the container from p.pos to end on one line, with a
// space after each comma and colon outside strings, and moves past it.
func (p *indenter) oneLine(end int) {
	start := p.pos
	for i := p.pos; i <= end; i++ {
		switch p.src[i] {
		case '"':
			for i++; p.src[i] != '"'; i++ {
				if p.src[i] == '\\' {
					i++
				}
			}
		case ',', ':':
			p.out.Write(p.src[start : i+1])
			p.out.WriteByte(' ')
			start = i + 1
		}
	}
	p.out.Write(p.src[start : end+1])
	p.pos = end + 1
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
