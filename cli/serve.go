package cli

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/serve"
)

// serveOptions are the options that --serve may be combined with.
var serveOptions = map[string]bool{"serve": true, "scan-interval": true, "verbose": true}

// validateServe checks --serve and --scan-interval: the service takes what
// to show from each request, so no other option or argument applies.
func validateServe(cfg *Config, fs *pflag.FlagSet) error {
	if !fs.Changed("serve") {
		return usagef("--scan-interval requires --serve")
	}
	var other []string
	fs.Visit(func(f *pflag.Flag) {
		if !serveOptions[f.Name] {
			other = append(other, "--"+f.Name)
		}
	})
	if len(other) > 0 || fs.NArg() > 0 {
		return usagef("--serve takes no other options or arguments but --scan-interval and --verbose (requests choose what to show)")
	}
	if cfg.ScanInterval <= 0 {
		return usagef("--scan-interval: must be positive, e.g. 10s")
	}
	_, port, err := net.SplitHostPort(cfg.Serve) // an empty host (every address) is allowed when given
	if err != nil {
		return usagef("--serve: invalid address %q (want HOST:PORT, e.g. %s)", cfg.Serve, serve.DefaultAddr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || strings.HasPrefix(port, "+") || n > 65535 {
		return usagef("--serve: invalid port %q in %q", port, cfg.Serve)
	}
	return nil
}

// runServe runs the service until SIGTERM or SIGINT. From here on every
// message is a structured log line on stderr.
func runServe(cfg *Config, env Env) int {
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	logger := serve.NewLogger(env.Stderr, level)
	srv := serve.New(serve.Config{
		Interval:      cfg.ScanInterval,
		Version:       toolVersion(),
		KernelRelease: kernelRelease(),
		Logger:        logger,
	})
	ctx, stop := signal.NotifyContext(context.Background(), unix.SIGTERM, os.Interrupt)
	defer stop()
	if err := srv.ListenAndServe(ctx, cfg.Serve); err != nil {
		logger.Error("serve failed", "error", err.Error())
		return ExitFailure
	}
	logger.Info("stopped")
	return ExitOK
}
