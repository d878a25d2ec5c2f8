package cli

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseServe(t *testing.T) {
	accepts := []struct {
		args     []string
		addr     string
		interval time.Duration
	}{
		{[]string{"--serve"}, "127.0.0.1:9743", 10 * time.Second},
		{[]string{"--serve=127.0.0.1:0", "--scan-interval=1m"}, "127.0.0.1:0", time.Minute},
		{[]string{"--serve=[::1]:9000", "-v"}, "[::1]:9000", 10 * time.Second},
		{[]string{"--serve=:9743"}, ":9743", 10 * time.Second},
	}
	for _, tt := range accepts {
		cfg, err := Parse(tt.args)
		if err != nil || cfg.Serve != tt.addr || cfg.ScanInterval != tt.interval {
			t.Errorf("%q: %+v, %v", tt.args, cfg, err)
		}
	}
	rejects := []struct {
		args []string
		msg  string
	}{
		{[]string{"--scan-interval=5s"}, "--scan-interval requires --serve"},
		{[]string{"--serve", "--deep-scan"}, "--serve takes no other options"},
		{[]string{"--serve", "--output=json"}, "--serve takes no other options"},
		{[]string{"--serve", "12"}, "--serve takes no other options"},
		{[]string{"--serve", "--scan-interval=0s"}, "--scan-interval: must be positive"},
		{[]string{"--serve", "--scan-interval=soon"}, `invalid argument "soon"`},
		{[]string{"--serve=localhost"}, `--serve: invalid address "localhost"`},
		{[]string{"--serve=127.0.0.1:http"}, `--serve: invalid port "http"`},
		{[]string{"--serve=127.0.0.1:70000"}, `--serve: invalid port "70000"`},
	}
	for _, tt := range rejects {
		_, err := Parse(tt.args)
		var usage *UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: %v, want a usage error containing %q", tt.args, err, tt.msg)
		}
	}
}
