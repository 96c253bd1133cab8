//! `floor [BASE_URL [GENERATION_ID]]`: one GET /generation, prints id, model and total cost.
//! BASE_URL falls back to $OPENROUTER_BASE_URL, then https://openrouter.ai/api/v1;
//! GENERATION_ID to $OPENROUTER_GENERATION_ID; the key comes from $OPENROUTER_API_KEY.

fn main() {
    let mut args = std::env::args().skip(1);
    let env = |name: &str| std::env::var(name).ok();
    let base = args.next().or_else(|| env("OPENROUTER_BASE_URL"));
    let base = base.as_deref().unwrap_or("https://openrouter.ai/api/v1").trim_end_matches('/').to_owned();
    let id = args.next().or_else(|| env("OPENROUTER_GENERATION_ID")).unwrap_or_default();
    let key = env("OPENROUTER_API_KEY").unwrap_or_default();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let result = rt.block_on(async {
        let client = floor::client();
        floor::get_generation(&client, &base, &key, &id).await
    });
    match result {
        Ok(g) => println!("{} {} {}", g.id, g.model, g.total_cost),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
