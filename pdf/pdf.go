// Package pdf prints HTML documents to PDF with a headless Chromium driven by chromedp
// (Debian's chromium with fonts-noto-core: Arabic is shaped and laid out right to left
// correctly, which the pure-Go PDF libraries do not do). One browser is started on first
// use and kept for the life of the Renderer; each document prints in its own tab, a few
// at a time. Documents must be self-contained (inline styles, SVG, data: images): they
// are loaded without a base URL and the browser fetches nothing.
package pdf

import (
	"context"
	"errors"
	"os/exec"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ErrUnavailable is returned when no Chromium binary was found.
var ErrUnavailable = errors.New("pdf: no chromium binary (install chromium, or set MARKAZ_CHROMIUM)")

// Renderer prints HTML to PDF. The zero value is not usable; use New.
type Renderer struct {
	path string
	sem  chan struct{}

	mu      sync.Mutex
	browser context.Context
	stop    func()
}

// New returns a renderer using the Chromium binary at path; an empty path looks for
// "chromium" (then "chromium-browser", "google-chrome") on the PATH. The browser starts
// on the first Render.
func New(path string) *Renderer {
	if path == "" {
		for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(n); err == nil {
				path = p
				break
			}
		}
	}
	return &Renderer{path: path, sem: make(chan struct{}, 2)}
}

// Available reports whether a browser binary was found.
func (r *Renderer) Available() bool { return r != nil && r.path != "" }

// start launches the shared browser once.
func (r *Renderer) start() (context.Context, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.browser != nil && r.browser.Err() == nil {
		return r.browser, nil
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(r.path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		cancelB()
		cancelA()
		return nil, err
	}
	r.browser, r.stop = bctx, func() { cancelB(); cancelA() }
	return bctx, nil
}

// Close stops the browser.
func (r *Renderer) Close() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		r.stop()
		r.browser, r.stop = nil, nil
	}
}

// Render prints one HTML document on A4 paper, backgrounds included.
func (r *Renderer) Render(ctx context.Context, html string) ([]byte, error) {
	if !r.Available() {
		return nil, ErrUnavailable
	}
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	b, err := r.start()
	if err != nil {
		return nil, err
	}
	tab, cancel := chromedp.NewContext(b)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel) // the caller's deadline ends the tab
	defer stop()
	timer := time.AfterFunc(30*time.Second, cancel)
	defer timer.Stop()
	var out []byte
	err = chromedp.Do(tab,
		chromedp.Navigate("about:blank"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return err
			}
			_, err = chromedp.Call(ctx, page.SetDocumentContent, page.SetDocumentContentParams{
				FrameID: tree.FrameTree.Frame.ID, HTML: html})
			return err
		}),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			var err error
			out, err = chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground(),
				chromedp.PDFMargin(0.4))(ctx, t)
			return err
		}),
	)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return out, err
}
