//! The words of the policy language, named once.

syn::custom_keyword!(default);
syn::custom_keyword!(bad_arch);
syn::custom_keyword!(unknown);
syn::custom_keyword!(except);
syn::custom_keyword!(abi);
syn::custom_keyword!(native);

/// The action keywords, named once: each becomes a custom keyword, [`ACTIONS`] lists them
/// for "did you mean" suggestions, and [`peek_action`] asks a lookahead for any of them
/// (so that its "expected one of" message lists them all).
macro_rules! actions {
    ($($word:ident)*) => {
        $(syn::custom_keyword!($word);)*

        /// Every word that may start an action.
        pub const ACTIONS: &[&str] = &[$(stringify!($word)),*];

        /// Whether the next token starts an action.
        pub fn peek_action(lookahead: &syn::parse::Lookahead1) -> bool {
            $(lookahead.peek($word))||*
        }
    };
}

actions!(allow log kill_process kill_thread trap errno trace notify);

// Values of the `optimize` setting.
syn::custom_keyword!(linear);
syn::custom_keyword!(binary_tree);
// Values of the `io_uring` setting.
syn::custom_keyword!(checked);
syn::custom_keyword!(unfiltered);

/// The settings written `name = value;`.
pub const SETTINGS: &[&str] = &[
    "no_new_privs",
    "tsync",
    "log",
    "ssb",
    "optimize",
    "precompiled",
    "io_uring",
];
