package procfs

import (
	"strings"
	"testing"
)

func TestParseCmdline(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "",
		"\x00":                             "",
		"sleep\x003000\x00":                "sleep 3000",
		"unshare\x00--net\x00sh\x00":       "unshare --net sh",
		"sshd: alice [priv]":               "sshd: alice [priv]", // rewritten argv, no NUL
		"a\x00\x00b\x00":                   "a  b",               // an empty argument
		"x\x00 \x00":                       "x",
		"bad\xff\x1b[31m\x00":              "bad\xff\x1b[31m", // escaped by the renderers
		"tail\x00\x00\x00\x00\x00\x00\x00": "tail",
	} {
		if got := ParseCmdline([]byte(in)); got != want {
			t.Errorf("ParseCmdline(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseCmdline(f *testing.F) {
	f.Add([]byte("sleep\x003000\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := ParseCmdline(data)
		if strings.ContainsRune(got, 0) || strings.HasSuffix(got, " ") || len(got) > len(data) {
			t.Fatalf("ParseCmdline(%q) = %q", data, got)
		}
	})
}
