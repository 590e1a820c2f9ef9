//! Generated pages opened as a person would: in headless Chromium (Debian's `chromium`), at a
//! phone's width and a desktop's. A probe script, added to a copy of each page, measures every
//! chart and draws it onto a canvas to count its coloured pixels, then posts what it found to the
//! frame around it, which Chromium prints with `--dump-dom`. The pages themselves carry no script.

use super::require_tool;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The widths pages are checked at: a phone's and a desktop's.
pub const WIDTHS: [u32; 2] = [390, 1280];

const PROBE: &str = r"<script>
window.addEventListener('load', async () => {
  const root = document.documentElement;
  const out = {
    width: root.clientWidth,
    scrollWidth: root.scrollWidth,
    resources: performance.getEntriesByType('resource').map(e => e.name),
    charts: []
  };
  for (const svg of document.querySelectorAll('svg')) {
    const box = svg.getBoundingClientRect();
    const image = new Image();
    const loaded = new Promise(done => { image.onload = () => done(true); image.onerror = () => done(false); });
    image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
    const ok = await loaded;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(box.width));
    canvas.height = Math.max(1, Math.round(box.height));
    const context = canvas.getContext('2d');
    let coloured = 0;
    if (ok) {
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] > 0 && (pixels[i] < 200 || pixels[i + 1] < 200 || pixels[i + 2] < 200)) coloured++;
      }
    }
    out.charts.push({ left: box.left, right: box.right, width: box.width, height: box.height, loaded: ok, coloured,
      label: svg.getAttribute('aria-labelledby') });
  }
  parent.postMessage(JSON.stringify(out), '*');
});
</script>";

/// The page a probed copy is shown in: an iframe exactly as wide as the screen being checked
/// (Chromium's window is never narrower than 500 px), which writes what the probe posts.
const FRAME: &str = r"<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block}</style></head><body>
<iframe src='SRC' style='width:WIDTHpx;height:1600px'></iframe>
<script>
window.addEventListener('message', event => {
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = event.data;
  document.body.appendChild(pre);
});
</script></body></html>";

fn chromium(args: &[&str], profile: &Path) -> std::process::Output {
    let chromium = require_tool("chromium");
    Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            // Nothing resolves: a page that asked another host could not get an answer.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--hide-scrollbars",
            "--virtual-time-budget=15000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", chromium.display()))
}

/// What the probe found on one page at one width.
fn probe(page: &Path, width: u32, work: &Path) -> Value {
    let html = std::fs::read_to_string(page).unwrap();
    let probed = work.join(format!(
        "probe-{width}-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&probed, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let frame = framed(&probed, width, work);
    let output = chromium(
        &[
            &format!("--window-size={},1200", width.max(500)),
            "--dump-dom",
            &format!("file://{}", frame.display()),
        ],
        &work.join(format!("profile-{width}")),
    );
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find("<pre id=\"probe\">").unwrap_or_else(|| {
        panic!(
            "chromium printed no probe result for {}:\n{dom}\n{}",
            page.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    }) + "<pre id=\"probe\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("probe result is not JSON ({e}): {text}"))
}

/// A page that shows `page` in a frame `width` pixels wide.
fn framed(page: &Path, width: u32, work: &Path) -> PathBuf {
    let frame = work.join(format!(
        "frame-{width}-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    let text = FRAME
        .replace("SRC", &format!("file://{}", page.display()))
        .replace("WIDTH", &width.to_string());
    std::fs::write(&frame, text).unwrap();
    frame
}

/// A screenshot's PNG of `page` shown `width` pixels wide.
fn screenshot(page: &Path, width: u32, work: &Path, name: &str) -> PathBuf {
    let png = work.join(format!("{name}-{width}.png"));
    let frame = framed(page, width, work);
    let output = chromium(
        &[
            &format!("--window-size={},1600", width.max(500)),
            &format!("--screenshot={}", png.display()),
            &format!("file://{}", frame.display()),
        ],
        &work.join(format!("profile-shot-{width}")),
    );
    assert!(
        png.exists(),
        "chromium wrote no screenshot of {}: {}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    png
}

/// Checks every `*.html` in `dir`: the page refers to no other host, every chart loads, is
/// drawn and fits the width at each of [`WIDTHS`], the page does not scroll sideways, and its
/// screenshot holds more than a blank page's.
pub fn check_pages(dir: &Path) {
    let work = tempfile::tempdir().unwrap();
    let blank = work.path().join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "html"))
        .collect();
    pages.sort();
    assert!(!pages.is_empty(), "no page in {}", dir.display());
    let size = |path: &Path| std::fs::metadata(path).unwrap().len();
    let blank_sizes: Vec<u64> = WIDTHS
        .iter()
        .map(|&width| size(&screenshot(&blank, width, work.path(), "blank")))
        .collect();
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        for outside in [
            "<script",
            "<link",
            "@import",
            "url(",
            "src=\"http",
            "<img",
            "<iframe",
        ] {
            assert!(
                !html.contains(outside),
                "{} holds `{outside}`",
                page.display()
            );
        }
        let svgs = html.matches("<svg").count();
        for (width, blank_size) in WIDTHS.into_iter().zip(&blank_sizes) {
            let found = probe(page, width, work.path());
            let name = page.display();
            assert_eq!(
                found["resources"],
                Value::Array(vec![]),
                "{name} loaded something at {width} px"
            );
            let shown = found["width"].as_f64().unwrap();
            assert!(
                shown <= f64::from(width) && shown > f64::from(width) - 20.0,
                "{name} was shown {shown} px wide, not {width}"
            );
            assert!(
                found["scrollWidth"].as_f64().unwrap() <= found["width"].as_f64().unwrap() + 1.0,
                "{name} scrolls sideways at {width} px: {found}"
            );
            let charts = found["charts"].as_array().unwrap();
            assert_eq!(charts.len(), svgs, "{name} at {width} px: {found}");
            for chart in charts {
                assert_eq!(chart["loaded"], true, "{name}: {chart}");
                let (left, right) = (
                    chart["left"].as_f64().unwrap(),
                    chart["right"].as_f64().unwrap(),
                );
                assert!(
                    left >= 0.0
                        && right <= f64::from(width)
                        && chart["width"].as_f64().unwrap() > 100.0,
                    "{name}: a chart outside the page at {width} px: {chart}"
                );
                // A drawn chart colours a good share of its pixels: axes, guides and data.
                let area = chart["width"].as_f64().unwrap() * chart["height"].as_f64().unwrap();
                assert!(
                    chart["coloured"].as_f64().unwrap() > area * 0.01,
                    "{name}: a chart is blank at {width} px: {chart}"
                );
            }
            let shot = screenshot(page, width, work.path(), "page");
            assert!(
                size(&shot) > 2 * blank_size,
                "{name}'s screenshot at {width} px is no larger than a blank page's"
            );
        }
    }
}
