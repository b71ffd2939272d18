//! Errors of reading and importing an Ollama Modelfile. Every message names the file and line
//! and says what to write instead; nothing here parses.

/// Why a Modelfile could not be read or imported.
#[derive(Debug, thiserror::Error)]
pub enum ModelfileError {
    /// A line does not start with a known instruction.
    #[error(
        "Modelfile {origin}, line {line}: unknown instruction \"{word}\"; use one of FROM, SYSTEM, PARAMETER, TEMPLATE, ADAPTER, LICENSE, MESSAGE, REQUIRES"
    )]
    UnknownInstruction {
        /// File name.
        origin: String,
        /// 1-based line.
        line: usize,
        /// The first word of the line.
        word: String,
    },
    /// An instruction has no value, or `PARAMETER`/`MESSAGE` no name.
    #[error("Modelfile {origin}, line {line}: {instruction} needs a value; write e.g. `{example}`")]
    MissingValue {
        /// File name.
        origin: String,
        /// 1-based line.
        line: usize,
        /// The instruction, upper-case.
        instruction: String,
        /// A correct line.
        example: String,
    },
    /// A `"""` or `"` string is never closed.
    #[error(
        "Modelfile {origin}, line {line}: the quoted value starting here is never closed; add the closing {quote}"
    )]
    Unterminated {
        /// File name.
        origin: String,
        /// 1-based line where the string starts.
        line: usize,
        /// The missing quote.
        quote: &'static str,
    },
    /// Text follows a closing `"""`.
    #[error(
        "Modelfile {origin}, line {line}: unexpected text after the closing quotes; put it inside the quotes or on its own line"
    )]
    TrailingText {
        /// File name.
        origin: String,
        /// 1-based line.
        line: usize,
    },
    /// A parameter is not one Ollama knows.
    #[error(
        "Modelfile {origin}, line {line}: unknown parameter \"{name}\"; check the spelling against Ollama's Modelfile docs"
    )]
    UnknownParameter {
        /// File name.
        origin: String,
        /// 1-based line.
        line: usize,
        /// The parameter name.
        name: String,
    },
    /// The Modelfile has no `FROM` line (or nothing at all).
    #[error(
        "Modelfile {origin} has no FROM line (an empty or partial file?); add e.g. `FROM llava` naming the model (--model overrides it)"
    )]
    NoFrom {
        /// File name.
        origin: String,
    },
    /// A numeric parameter's value is not a number.
    #[error("Modelfile {origin}{at}: PARAMETER {name} must be {kind}, not \"{value}\"")]
    BadNumber {
        /// File name or template name.
        origin: String,
        /// `, line N` when known.
        at: String,
        /// The parameter name.
        name: String,
        /// The value given.
        value: String,
        /// "a number" or "a whole number".
        kind: &'static str,
    },
}
