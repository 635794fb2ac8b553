//! The wasm entry point: takes down the loading frame and mounts the console.

fn main() {
    console_error_panic_hook::set_once();
    // The floor under every start figure: when the first screen's module
    // began to run (the bench prints the `sitrep:` marks).
    sitrep::browser::mark("sitrep:wasm-started");
    // index.html shows the app's frame and "Loading Sitrep…" while the wasm
    // loads (plain HTML: the CSP allows no inline script to remove it); the
    // app takes its place.
    if let Some(frame) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        frame.remove();
    }
    // The reader's theme before anything is drawn in it.
    sitrep::reader::apply_theme();
    leptos::mount::mount_to_body(sitrep::App);
}
