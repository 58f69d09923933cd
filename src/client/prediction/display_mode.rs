//! When predictions are shown, as `MOSH_PREDICTION_DISPLAY` (or the
//! bootstrap's `--predict`) names it.

/// When predictions are shown (`MOSH_PREDICTION_DISPLAY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PredictionDisplay {
    /// Only when the link is slow or glitchy (the default).
    #[default]
    Adaptive,
    /// Always.
    Always,
    /// Never.
    Never,
    /// Always, and also across epochs that are not yet confirmed.
    Experimental,
}

impl PredictionDisplay {
    /// Parses the variable's value; anything else is an error.
    pub fn parse(text: &str) -> Result<PredictionDisplay, String> {
        match text {
            "adaptive" => Ok(PredictionDisplay::Adaptive),
            "always" => Ok(PredictionDisplay::Always),
            "never" => Ok(PredictionDisplay::Never),
            "experimental" => Ok(PredictionDisplay::Experimental),
            other => Err(format!(
                "Unknown prediction mode {other} (MOSH_PREDICTION_DISPLAY must be \
                 adaptive, always, never or experimental)."
            )),
        }
    }

    /// The mode's name, as `MOSH_PREDICTION_DISPLAY` spells it.
    pub fn name(self) -> &'static str {
        match self {
            PredictionDisplay::Adaptive => "adaptive",
            PredictionDisplay::Always => "always",
            PredictionDisplay::Never => "never",
            PredictionDisplay::Experimental => "experimental",
        }
    }
}
