//! Settings of a window's webview that Tauri does not expose.

/// Turns WebKit's accelerated compositing off for `window`: its pages are
/// plain documents, and WebKitGTK then keeps no GPU (or, without a GPU,
/// llvmpipe) layer buffers — about 80 MB less for the kiosk.
#[cfg(target_os = "linux")]
pub fn without_compositing(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    window.with_webview(|platform| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = platform.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    })
}

/// Elsewhere the platform's default stays.
#[cfg(not(target_os = "linux"))]
pub fn without_compositing(_window: &tauri::WebviewWindow) -> tauri::Result<()> {
    Ok(())
}
