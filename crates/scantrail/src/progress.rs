//! Progress bars on stderr while layers are read.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scantrail_image::Progress;
use scantrail_model::Digest;

/// A progress bar per layer, drawn on stderr; hidden when stderr is not a terminal.
pub struct LayerProgress {
    bar: ProgressBar,
}

impl LayerProgress {
    pub fn new(visible: bool) -> LayerProgress {
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("{prefix} {bar:30} {bytes}/{total_bytes} {msg}")
                .expect("the progress template is valid"),
        );
        LayerProgress { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for LayerProgress {
    fn layer_started(&self, index: usize, count: usize, digest: &Digest, size: u64) {
        self.bar.reset();
        self.bar.set_length(size);
        self.bar.set_prefix(format!("layer {}/{count}", index + 1));
        self.bar.set_message(digest.short().to_string());
    }

    fn layer_bytes(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn layer_finished(&self, _index: usize) {
        self.bar.set_position(self.bar.length().unwrap_or(0));
    }
}
