use crate::app::App;
use anyhow::Result;
use clap::Args;

/// Render every mail template (built in, or edited in `[templates] dir`) in Polish and English
/// with sample data. Fails, naming the file, on the first sign of a broken template.
#[derive(Debug, Args)]
pub struct CheckTemplatesArgs {}

pub fn run(ctx: &App, _args: CheckTemplatesArgs) -> Result<i32> {
    let n = crate::templates::samples::check_templates(&ctx.templates, &ctx.config)?
        + crate::services::reports::check_templates(&ctx.config, &ctx.templates)?;
    println!("{n} templates rendered in pl and en: all fine");
    Ok(0)
}
