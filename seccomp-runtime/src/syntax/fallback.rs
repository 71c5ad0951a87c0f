//! What the macro expands to when the policy has mistakes: the errors, and a value of the
//! right type so that code using the policy type-checks and adds no errors of its own.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Error;

pub fn expand(error: &Error, gated: &[TokenStream]) -> TokenStream {
    let errors = error.to_compile_error();
    quote!({
        #errors
        #(#gated)*
        ::seccomp_dsl::__private::Policy::new(::seccomp_dsl::__private::Action::KillProcess)
    })
}
