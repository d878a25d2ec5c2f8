// Package browsertest drives a real headless Chromium (Debian's chromium
// package) through the Chrome DevTools Protocol (chromedp) for the tests of
// the HTML output: it opens pages from files, records every dialog, console
// message, browser log entry (CSP violations land there), uncaught exception
// and network request, and takes screenshots. Only tests import it, so
// chromedp is never linked into the namespaces_of binary.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Timeout bounds each step (load, evaluation, screenshot), so a broken page
// fails the test instead of hanging it.
const Timeout = 60 * time.Second

// Browser is one headless Chromium, stopped and its profile removed when
// the test ends.
type Browser struct {
	ctx context.Context // the browser's root chromedp context
}

// Chromium returns the path of Debian's chromium, skipping the test when it
// is not installed, or failing it in CI (CI set), where .ci/browser
// installs it.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (.ci/browser installs Debian's chromium package)")
	}
	t.Skip("needs Debian's chromium package (apt-get install chromium) for the browser tests")
	return ""
}

// Start launches Chromium with a fresh profile: headless, without a sandbox
// (the tests run as root), the GPU, QUIC, first-run pages or any background
// networking, component updates or sync.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := Chromium(t)
	dir, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 800),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // kills Chromium and waits for it
		os.RemoveAll(dir)
	})
	// The first action starts the browser (with the context that lives as
	// long as the browser: no timeout here).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &Browser{ctx: ctx}
}

// Page is one tab and what it did.
type Page struct {
	URL string
	ctx context.Context

	mu       sync.Mutex
	dialogs  []string
	console  []string
	requests []string
}

// Options say how a page is opened.
type Options struct {
	Dark          bool  // prefers-color-scheme: dark
	Width, Height int64 // viewport; 1280x800 when zero
}

// Open loads the HTML file at path in a new tab and waits until the page
// says it has rendered (document.body.dataset.ready is set).
func (b *Browser) Open(t testing.TB, path string, o Options) *Page {
	t.Helper()
	p := &Page{URL: (&url.URL{Scheme: "file", Path: path}).String()}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(p.record))
	t.Cleanup(cancel)
	p.ctx = ctx
	// The first action opens the tab, which lives as long as the context
	// of that action: it gets no timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	if o.Width == 0 {
		o.Width, o.Height = 1280, 800
	}
	var scheme = "light"
	if o.Dark {
		scheme = "dark"
	}
	steps := chromedp.Steps(
		chromedp.EmulateViewport(o.Width, o.Height),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			})
			return err
		}),
		chromedp.Navigate(p.URL),
	)
	if err := p.do(steps); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	p.WaitReady(t)
	return p
}

// record runs in the tab's event loop: it notes what the checks need and
// dismisses dialogs (from another goroutine: a command cannot run here).
func (p *Page) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		p.dialogs = append(p.dialogs, string(ev.Type)+": "+ev.Message)
		go chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			parts = append(parts, strings.TrimSpace(string(a.Value)+" "+a.Description))
		}
		p.console = append(p.console, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		text := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			text += " " + ev.ExceptionDetails.Exception.Description
		}
		p.console = append(p.console, "exception: "+text)
	case *log.EventEntryAdded:
		p.console = append(p.console, fmt.Sprintf("log %s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	}
}

func (p *Page) do(a chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	_, err := chromedp.Run(ctx, a)
	return err
}

// WaitReady waits until the page's script has built the page.
func (p *Page) WaitReady(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body && document.body.dataset.ready !== undefined`)); err != nil {
		c2, cancel2 := context.WithTimeout(p.ctx, 5*time.Second)
		defer cancel2()
		st, err2 := chromedp.Run(c2, chromedp.Evaluate[string](`JSON.stringify({href: location.href, ready: document.body && document.body.dataset.ready, title: document.title, n: document.querySelectorAll('li').length})`))
		t.Logf("state %s %v", st, err2)
		t.Fatalf("%s: the page never said it was ready: %v; console: %q", p.URL, err, p.Console())
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its
// (JSON-able) value into out, which may be nil.
func (p *Page) Eval(t testing.TB, expr string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %q: %v", expr, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("evaluate %q: result %s: %v", expr, raw, err)
		}
	}
}

// Keys sends key presses to the focused element, as a user would type
// them (kb constants for special keys).
func (p *Page) Keys(t testing.TB, keys string) {
	t.Helper()
	if err := p.do(chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("keys %q: %v", keys, err)
	}
}

// Screenshot returns a PNG of the viewport.
func (p *Page) Screenshot(t testing.TB) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return png
}

// Dialogs, Console and Requests return what the page did so far: dialogs
// opened, console messages, log entries and exceptions, and the URLs of
// every request (the page's own file included).
func (p *Page) Dialogs() []string  { return p.copy(&p.dialogs) }
func (p *Page) Console() []string  { return p.copy(&p.console) }
func (p *Page) Requests() []string { return p.copy(&p.requests) }

func (p *Page) copy(s *[]string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), *s...)
}

// CheckQuiet fails the test if the page opened a dialog, wrote anything to
// the console or the browser log (a CSP violation is such an entry), threw,
// or requested anything but its own file. A round trip to the page first
// makes sure the events of everything done so far have arrived.
func (p *Page) CheckQuiet(t testing.TB) {
	t.Helper()
	p.Eval(t, `new Promise((resolve) => setTimeout(() => resolve(true), 0))`, nil)
	if d := p.Dialogs(); len(d) > 0 {
		t.Errorf("%s opened dialogs: %q", p.URL, d)
	}
	if c := p.Console(); len(c) > 0 {
		t.Errorf("%s wrote to the console or log: %q", p.URL, c)
	}
	for _, r := range p.Requests() {
		if r != p.URL {
			t.Errorf("%s made a request: %s", p.URL, r)
		}
	}
}
