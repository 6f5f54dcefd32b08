//! The browser entry point: hydrates the server-rendered page into the live Leptos app.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_lazy`: some routes load their code on demand (see app::lazy).
    leptos::mount::hydrate_lazy(app::App);
}
