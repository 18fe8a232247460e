//! Real windows for the UI tests: an Xvfb display (with openbox, so a kiosk
//! really goes fullscreen), one `tauri-driver` per app instance, and the
//! `floorjudge` app driven through WebDriver.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `floorjudge team …` for the workstation `ip` against `jury`, with its state
/// and downloads under `root`, in kiosk mode or windowed.
pub fn team_args(jury: &crate::JuryProcess, root: &Path, ip: &str, kiosk: bool) -> Vec<String> {
    let mut args = vec![
        "team".to_string(),
        "--jury".into(),
        jury.url.clone(),
        "--jury-fingerprint".into(),
        jury.fingerprint.to_string(),
        "--source-ip".into(),
        ip.into(),
        "--callback-port".into(),
        crate::free_port().to_string(),
        "--state-dir".into(),
        root.join(format!("kiosk-{ip}")).display().to_string(),
        "--downloads".into(),
        root.join(format!("downloads-{ip}")).display().to_string(),
    ];
    if kiosk {
        args.push("--kiosk".into());
    }
    args
}

/// `floorjudge jury --connect …` on `jury`.
pub fn console_args(jury: &crate::JuryProcess) -> Vec<String> {
    vec![
        "jury".to_string(),
        "--connect".into(),
        jury.url.clone(),
        "--jury-fingerprint".into(),
        jury.fingerprint.to_string(),
    ]
}

/// Types `text` into the field `[data-testid=testid]` (cleared first).
pub async fn fill(c: &fantoccini::Client, testid: &str, text: &str) {
    let el = c
        .find(fantoccini::Locator::Css(&format!("[data-testid={testid}]")))
        .await
        .unwrap_or_else(|e| panic!("{testid}: {e}"));
    el.clear().await.unwrap();
    if !text.is_empty() {
        el.send_keys(text).await.unwrap();
    }
}

/// Clicks the element `[data-testid=testid]`, waiting up to 10 s for it
/// to be there (a screen that was just opened renders what it fetched a
/// moment later, and WebKitWebDriver answers a bare error to a find that
/// races a re-render).
pub async fn click(c: &fantoccini::Client, testid: &str) {
    let css = format!("[data-testid={testid}]");
    let deadline = Instant::now() + Duration::from_secs(10);
    let element = loop {
        match c.find(fantoccini::Locator::Css(&css)).await {
            Ok(e) => break e,
            Err(e) if Instant::now() > deadline => panic!("{testid}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {testid}: {e}"));
}

/// Opens the window of the unknown workstation `ip` and waits for its
/// identification screen, which names the address.
pub async fn open_unknown(
    driver: &Driver,
    jury: &crate::JuryProcess,
    root: &Path,
    ip: &str,
) -> fantoccini::Client {
    let c = driver.open(&team_args(jury, root, ip, false)).await;
    wait_text(
        &c,
        "[data-testid=identify-unknown]",
        Duration::from_secs(30),
        |t| t.contains(ip),
    )
    .await;
    c
}

/// Fills the console's staff login and sends it (`code` may be empty).
pub async fn staff_log_in(c: &fantoccini::Client, name: &str, password: &str, code: &str) {
    fill(c, "staff-name", name).await;
    fill(c, "staff-password", password).await;
    fill(c, "staff-code", code).await;
    c.find(fantoccini::Locator::Css("[data-testid=staff-submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// A virtual X display, stopped on drop.
#[derive(Debug)]
pub struct Display {
    xvfb: Child,
    wm: Option<Child>,
    /// `:N`.
    pub name: String,
}

impl Display {
    /// Starts Xvfb at 1280×720 on a free display number, with openbox.
    pub fn start() -> Display {
        let n = (100..400)
            .find(|n| {
                !std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    && !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            })
            .expect("a free X display number");
        let name = format!(":{n}");
        let xvfb = Command::new("Xvfb")
            .args([&name, "-screen", "0", "1280x720x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (Debian package xvfb) must be installed: installer/test.sh installs it");
        let socket = format!("/tmp/.X11-unix/X{n}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !std::path::Path::new(&socket).exists() {
            assert!(Instant::now() < deadline, "Xvfb did not start on {name}");
            std::thread::sleep(Duration::from_millis(50));
        }
        let wm = Command::new("openbox")
            .env("DISPLAY", &name)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        std::thread::sleep(Duration::from_millis(300));
        Display { xvfb, wm, name }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(wm) = &mut self.wm {
            let _ = wm.kill();
            let _ = wm.wait();
        }
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// Where the driver's and the app's stderr go: the terminal with
/// `FLOORJUDGE_UI_LOG=1`, else nowhere.
fn driver_log() -> Stdio {
    if std::env::var_os("FLOORJUDGE_UI_LOG").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

/// Where `tauri-driver` is (PATH, or cargo's bin folder).
fn tauri_driver() -> PathBuf {
    if let Ok(path) = std::env::var("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join("tauri-driver");
            if p.is_file() {
                return p;
            }
        }
    }
    let p =
        PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo/bin/tauri-driver");
    assert!(
        p.is_file(),
        "tauri-driver is missing: `cargo install tauri-driver --locked` (installer/test.sh does)"
    );
    p
}

/// One `tauri-driver` (and its WebKitWebDriver) on the display; stopped with
/// SIGTERM on drop (a killed driver leaves WebKitWebDriver holding the pipe).
#[derive(Debug)]
pub struct Driver {
    child: Child,
    /// Its WebDriver URL.
    pub url: String,
}

impl Driver {
    /// Starts a driver on `display`.
    pub fn start(display: &Display) -> Driver {
        let port = crate::free_port();
        let native = crate::free_port();
        let child = Command::new(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", &display.name)
            .stdout(Stdio::null())
            .stderr(driver_log())
            .spawn()
            .expect("start tauri-driver");
        // tauri-driver listens at once but forwards to the WebKitWebDriver it
        // starts: a session asked for before that one listens is dropped
        let deadline = Instant::now() + Duration::from_secs(15);
        for (who, p) in [("tauri-driver", port), ("WebKitWebDriver", native)] {
            while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
                assert!(Instant::now() < deadline, "{who} did not listen on {p}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Opens the app with `args` in a new WebDriver session.
    pub async fn open(&self, args: &[String]) -> fantoccini::Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": crate::bin("floorjudge"),
                "args": args,
            }),
        );
        caps.insert("browserName".into(), "wry".into());
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a WebDriver session with the floorjudge app")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the UI tests save their screenshots (`target/ui-screenshots`).
pub fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .and_then(std::path::Path::parent)
        .expect("target dir")
        .join("ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves a screenshot as `name.png` after two animation frames (so it shows
/// what was rendered, not the first paint); returns the file.
pub async fn screenshot(c: &fantoccini::Client, name: &str) -> PathBuf {
    let _ = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
            vec![],
        )
        .await;
    let png = c.screenshot().await.expect("screenshot");
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    path
}

/// Waits until `css` matches an element whose rendered text (`innerText`)
/// satisfies `check`; returns that text. Not WebDriver's Get Element Text:
/// WebKitWebDriver 2.50 answers "" for the team name in the header
/// (an element with `overflow: hidden` and `text-overflow: ellipsis`).
pub async fn wait_text(
    c: &fantoccini::Client,
    css: &str,
    limit: Duration,
    check: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + limit;
    let mut last = String::new();
    loop {
        match c.find_all(fantoccini::Locator::Css(css)).await {
            Ok(els) if els.is_empty() => last = "(no element matches)".into(),
            Ok(els) => {
                for e in els {
                    match e.prop("innerText").await.map(Option::unwrap_or_default) {
                        Ok(t) if check(&t) => return t,
                        Ok(t) => last = t,
                        Err(e) => last = format!("(text failed: {e})"),
                    }
                }
            }
            Err(e) => last = format!("(find failed: {e})"),
        }
        if Instant::now() > deadline {
            let _ = screenshot(c, "timeout").await;
            panic!("waited {limit:?} for {css:?}; last text {last:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The rendered text (`innerText`) of the first element `css` matches.
pub async fn text_of(c: &fantoccini::Client, css: &str) -> String {
    c.find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("innerText")
        .await
        .unwrap_or_else(|e| panic!("innerText of {css}: {e}"))
        .unwrap_or_default()
}

/// Waits until the team page shows; returns the team's name.
pub async fn wait_team_page(c: &fantoccini::Client, limit: Duration) -> String {
    wait_text(c, "[data-testid=team-name]", limit, |t| !t.is_empty()).await
}

/// The runtime the window tests drive WebDriver from.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
