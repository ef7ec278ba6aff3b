use super::Context;
use crate::templates::Templates;
use anyhow::Result;
use clap::Args;

/// Render every mail template (built in, or edited in `[templates] dir`) in Polish and English
/// with sample data. Fails, naming the file, on the first sign of a broken template.
#[derive(Debug, Args)]
pub struct CheckTemplatesArgs {}

pub fn run(ctx: &Context, _args: CheckTemplatesArgs) -> Result<i32> {
    let templates = Templates::new(ctx.config.templates.dir.as_deref());
    let n = crate::dunning::samples::check_templates(&templates, &ctx.config)?;
    println!("{n} templates rendered in pl and en: all fine");
    Ok(0)
}
