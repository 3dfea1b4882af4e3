package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestReadableAtEverySizeAndScheme opens the page at a phone's and a
// desktop's size, in light and dark, with prices, messages, people and an
// error on screen, and checks what a person relies on: every visible text
// has WCAG AA contrast with what is behind it, every control has a name,
// nothing is wider than the screen, quotes are whole and clear of their
// sparklines, and long messages wrap.
func TestReadableAtEverySizeAndScheme(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	bob := testclient.NewSession(t, srv.URL, "bob")
	bob.Send(t, tt.DefaultRoom, "a message long enough to wrap on a phone: https://example.com/"+
		"a/very/long/link/that/must/not/widen/the/page/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "")
	browser := NewBrowser(t)

	for _, tc := range []struct {
		name          string
		width, height int64
		scheme        string
	}{
		{"phone light", 360, 740, "light"},
		{"phone dark", 360, 740, "dark"},
		{"desktop light", 1280, 800, "light"},
		{"desktop dark", 1280, 800, "dark"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := NewContext(t, browser)
			Do(t, tab, chromedp.EmulateViewport(tc.width, tc.height))
			setColorScheme(t, tab, tc.scheme)
			openRoom(t, tab, srv, tt.DefaultRoom)
			signIn(t, tab, "reader"+tc.scheme+tc.name[:1])
			WaitFor(t, tab, quotesShown, UITimeout)
			WaitFor(t, tab, `document.querySelectorAll("#messages .msg[data-id]").length === 1`, UITimeout)
			WaitFor(t, tab, `document.querySelectorAll("#presence .who").length === 1`, UITimeout)
			// An error on screen: a room name the server would refuse.
			Do(t, tab, chromedp.SendKeys(chromedp.ID("room-input"), "Not A Room!"), chromedp.Click(chromedp.ID("room-submit")))
			WaitFor(t, tab, `document.querySelector("#error").textContent !== ""`, UITimeout)
			if !Eval[bool](t, tab, `matchMedia("(prefers-color-scheme: `+tc.scheme+`)").matches`) {
				t.Fatalf("the page does not see prefers-color-scheme: %s", tc.scheme)
			}

			if low := Eval[[]string](t, tab, lowContrastTexts); len(low) > 0 {
				Screenshot(t, tab, "contrast")
				t.Errorf("%d texts below WCAG AA contrast:\n%q", len(low), low)
			}
			if unnamed := Eval[[]string](t, tab, unnamedControls); len(unnamed) > 0 {
				t.Errorf("controls without an accessible name: %q", unnamed)
			}
			if w := Eval[[]int](t, tab, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`); w[0] > w[1] {
				Screenshot(t, tab, "overflow")
				t.Errorf("the page is %d px wide on a %d px screen: it scrolls sideways", w[0], w[1])
			}
			if hidden := Eval[[]string](t, tab, coveredQuoteTexts); len(hidden) > 0 {
				Screenshot(t, tab, "quotes")
				t.Errorf("quote texts cut or under the sparkline: %q", hidden)
			}
			if wide := Eval[[]string](t, tab, unwrappedMessages); len(wide) > 0 {
				t.Errorf("messages wider than the list instead of wrapping: %q", wide)
			}
		})
	}
}

// TestKeyboardOnly: a person without a mouse picks a nickname and sends a
// message with Tab, typing and Enter, and sees where the focus is.
func TestKeyboardOnly(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	tab := NewBrowser(t)
	openRoom(t, tab, srv, tt.DefaultRoom)
	WaitFor(t, tab, `document.querySelector("#nick-input") !== null`, UITimeout)

	tabTo(t, tab, "nick-input")
	Do(t, tab, chromedp.KeyEvent("kim"), chromedp.KeyEvent(kb.Enter))
	WaitFor(t, tab, `document.querySelector("#me").textContent === "kim"`, UITimeout)

	tabTo(t, tab, "composer")
	if style := Eval[string](t, tab, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
		t.Error("the focused composer shows no focus outline")
	}
	Do(t, tab, chromedp.KeyEvent("typed, not clicked"), chromedp.KeyEvent(kb.Enter))
	WaitFor(t, tab, storedShown("typed, not clicked", "kim"), UITimeout)
}

// tabTo presses Tab until the element with id has the focus.
func tabTo(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	const most = 40
	for range most {
		if Eval[bool](t, ctx, `document.activeElement?.id === `+JS(id)) {
			return
		}
		Do(t, ctx, chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("#%s not reached in %d presses of Tab (focus on %s)", id, most,
		Eval[string](t, ctx, `document.activeElement?.outerHTML.slice(0, 80) ?? "nothing"`))
}

// setColorScheme makes the tab of ctx report prefers-color-scheme: scheme.
func setColorScheme(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		t.Fatalf("emulate prefers-color-scheme %s: %v", scheme, err)
	}
}

// lowContrastTexts lists the visible texts whose colour, over the colours
// behind them (ancestor backgrounds and opacity blended), is below WCAG AA:
// 4.5:1, or 3:1 for large text. Disabled controls are exempt, as in WCAG.
const lowContrastTexts = `(() => {
	const parse = s => {
		const m = s.match(/rgba?\(([^)]+)\)/);
		if (!m) return null;
		const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
		return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
	};
	const over = (fg, bg) => ({
		r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a),
		b: fg.b * fg.a + bg.b * (1 - fg.a), a: 1});
	const lum = c => {
		const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
	};
	const behind = el => {
		const layers = [];
		for (let e = el; e; e = e.parentElement) {
			const c = parse(getComputedStyle(e).backgroundColor);
			if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
		}
		let bg = {r: 255, g: 255, b: 255, a: 1};
		for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
		return bg;
	};
	const out = [], seen = new Set();
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		const el = n.parentElement;
		if (!n.textContent.trim() || !el || seen.has(el)) continue;
		seen.add(el);
		if (el.closest(".visually-hidden, [hidden], [aria-hidden=true], script, style, noscript, :disabled")) continue;
		const box = el.getBoundingClientRect();
		if (box.width === 0 || box.height === 0) continue;
		const cs = getComputedStyle(el);
		if (cs.visibility !== "visible") continue;
		let opacity = 1;
		for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
		const fg = parse(cs.color);
		if (!fg) { out.push(el.tagName + ": colour " + cs.color + " not understood"); continue; }
		fg.a *= opacity;
		const bg = behind(el), text = over(fg, bg);
		const a = lum(text), b = lum(bg);
		const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
		const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
		if (ratio < need) {
			const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + [...el.classList].map(c => "." + c).join("");
			out.push(name + " " + JSON.stringify(n.textContent.trim().slice(0, 24)) + ": " + ratio.toFixed(2) + ":1, needs " + need);
		}
	}
	return out;
})()`

// unnamedControls lists the visible buttons, fields and links with no
// accessible name (no label, aria-label, aria-labelledby, title or text).
const unnamedControls = `(() => {
	const named = el => {
		const by = el.getAttribute("aria-labelledby");
		const label = el.id && document.querySelector("label[for=" + CSS.escape(el.id) + "]");
		return [el.getAttribute("aria-label"), by && document.getElementById(by)?.textContent,
			label && label.textContent, el.closest("label")?.textContent, el.textContent, el.title]
			.some(s => s && s.trim() !== "");
	};
	return [...document.querySelectorAll("button, input:not([type=hidden]), textarea, select, a[href]")]
		.filter(el => { const b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0; })
		.filter(el => !named(el))
		.map(el => el.outerHTML.slice(0, 80));
})()`

// unwrappedMessages lists the messages whose text is wider than the list.
const unwrappedMessages = `[...document.querySelectorAll("#messages .msg .text")]
	.filter(el => el.scrollWidth > document.querySelector("#messages").clientWidth)
	.map(el => el.textContent.slice(0, 40))`

// coveredQuoteTexts lists the quote texts that are cut short or run into
// their sparkline.
const coveredQuoteTexts = `[...document.querySelectorAll(".quote")].flatMap(q => {
	const spark = q.querySelector(".spark").getBoundingClientRect();
	return [...q.querySelectorAll(".symbol, .price, .change")].filter(el => {
		const r = el.getBoundingClientRect();
		return el.scrollWidth > el.clientWidth + 1 || (r.right > spark.left + 0.5 && r.left < spark.right);
	}).map(el => q.dataset.symbol + " " + el.className + " " + JSON.stringify(el.textContent));
})`
