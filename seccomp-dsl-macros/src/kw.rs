//! The words of the policy language, named once.

syn::custom_keyword!(default);
syn::custom_keyword!(bad_arch);
syn::custom_keyword!(abi);
syn::custom_keyword!(native);

// Actions.
syn::custom_keyword!(allow);
syn::custom_keyword!(log);
syn::custom_keyword!(kill_process);
syn::custom_keyword!(kill_thread);
syn::custom_keyword!(trap);
syn::custom_keyword!(errno);
syn::custom_keyword!(trace);
syn::custom_keyword!(notify);

// Values of the `optimize` setting.
syn::custom_keyword!(linear);
syn::custom_keyword!(binary_tree);

/// Every word that may start an action, for "did you mean" suggestions.
pub const ACTIONS: &[&str] = &[
    "allow",
    "log",
    "kill_process",
    "kill_thread",
    "trap",
    "errno",
    "trace",
    "notify",
];

/// The settings written `name = value;`.
pub const SETTINGS: &[&str] = &["no_new_privs", "tsync", "log", "ssb", "optimize"];
