//! The policy as written: a typed view of the macro input that keeps every token, so that
//! the checks can put each message on the token it is about.
//!
//! Parsing recovers at statement boundaries (`;` or a `{ ... }` block): a mistake in one
//! rule is reported and the rest of the policy is still parsed and checked, so that one
//! compile shows every mistake.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{Parse, ParseStream, Parser};
use syn::{braced, parenthesized, token, Error, Expr, Ident, LitBool, LitInt, Path, Result, Token};

use super::kw;

/// A whole policy: settings, common rules and `abi` blocks, in the order written.
#[derive(Default)]
pub struct Policy {
    pub settings: Vec<Setting>,
    pub rules: Vec<Rule>,
    pub blocks: Vec<Block>,
}

/// `default <action>;`, `bad_arch <action>;` or `<name> = <value>;`.
pub enum Setting {
    Default { kw: kw::default, action: Action },
    BadArch { kw: kw::bad_arch, action: Action },
    Unknown { kw: kw::unknown, action: Action },
    Flag(Flag),
}

/// An attribute of the filter: `tsync = true;`, `optimize = linear;`, ...
pub struct Flag {
    pub name: Ident,
    pub value: FlagValue,
}

/// The value of a [`Flag`], checked against the flag's name while parsing.
pub enum FlagValue {
    NoNewPrivs(LitBool),
    Tsync(LitBool),
    Log(LitBool),
    Ssb(LitBool),
    Optimize(Optimize),
    Precompiled(LitBool),
    IoUring(IoUring),
}

/// The values of `io_uring`.
pub enum IoUring {
    Checked,
    Unfiltered,
}

/// The values of `optimize`.
pub enum Optimize {
    Linear,
    BinaryTree,
}

/// `abi <name>, <name> { <rule>* }`
pub struct Block {
    pub abis: Vec<AbiName>,
    pub rules: Vec<Rule>,
}

/// One name in a block's ABI list; resolved by the checks.
pub enum AbiName {
    Named(Ident),
    Native(kw::native),
}

/// `<action> <entry>, ... [except <entry>, ...] [if <comparison> && ...];`
pub struct Rule {
    pub action: Action,
    pub syscalls: Vec<Entry>,
    pub except: Vec<Entry>,
    pub conditions: Vec<Comparison>,
}

/// One item of a rule's syscall list.
pub enum Entry {
    /// `read`: a syscall every ABI of the rule must have.
    Syscall(Ident),
    /// `?mseal`: a syscall skipped where an ABI lacks it.
    Optional { mark: Token![?], name: Ident },
    /// `@system_service`: a group, resolved by the checks.
    Group { at: Token![@], name: Ident },
}

/// An action and the span of its keyword.
pub struct Action {
    pub span: Span,
    pub kind: ActionKind,
}

pub enum ActionKind {
    Allow,
    Log,
    KillProcess,
    KillThread,
    Trap,
    Errno(Errno),
    Trace(LitInt),
    Notify,
}

/// The argument of `errno(...)`: a name, resolved by the checks, or a number.
pub enum Errno {
    Name(Ident),
    Number { lit: LitInt, value: i32 },
}

/// `argN <op> <value>` or `argN & <mask> == <value>`.
pub struct Comparison {
    /// The `argN` token.
    pub arg: Ident,
    /// `N`, which the checks compare with the number of arguments.
    pub index: u8,
    pub op: CmpOp,
    pub value: Value,
}

pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    MaskedEq(Value),
}

/// A value compared with an argument.
pub enum Value {
    /// An integer literal, known at expansion time.
    Lit { lit: LitInt, value: u64 },
    // Boxed: a policy file may hold thousands of comparisons, nearly all literals, and a
    // `syn::Expr` inline would make each several hundred bytes.
    /// A constant's path (`libc::F_GETFL`), known only to the compiled program.
    Path(Box<Path>),
    /// A parenthesized expression, known only to the compiled program.
    Expr {
        paren: token::Paren,
        expr: Box<Expr>,
    },
}

/// The deepest nesting of brackets a policy may have. A real policy nests a few levels
/// (`abi x86_64 { allow fcntl if arg1 == (1 + 2); }`); the parser descends one call per
/// level, so thousands of levels (a 6 KB file of parentheses) would overflow the stack and
/// abort the process instead of giving an error.
pub const MAX_NESTING: usize = 64;

/// The first group nested deeper than [`MAX_NESTING`], found without recursion.
fn too_deep(tokens: &TokenStream) -> Option<Span> {
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(level) = stack.last_mut() {
        match level.next() {
            Some(TokenTree::Group(group)) => {
                if stack.len() > MAX_NESTING {
                    return Some(group.span_open());
                }
                stack.push(group.stream().into_iter());
            }
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    None
}

impl Policy {
    /// Parse the macro input, returning what could be parsed and every syntax error.
    pub fn parse(tokens: TokenStream) -> (Policy, Vec<Error>) {
        if let Some(span) = too_deep(&tokens) {
            let message = format!(
                "brackets nested more than {MAX_NESTING} deep here; no policy needs that many,                  and parsing them could exhaust the stack"
            );
            return (Policy::default(), vec![Error::new(span, message)]);
        }
        let parser = |input: ParseStream| {
            let mut errors = Vec::new();
            let policy = Policy::parse_items(input, &mut errors);
            Ok((policy, errors))
        };
        match parser.parse2(tokens) {
            Ok(parsed) => parsed,
            // Only reachable if a nested group were left half-parsed: report it, alone.
            Err(error) => (Policy::default(), vec![error]),
        }
    }

    fn parse_items(input: ParseStream, errors: &mut Vec<Error>) -> Policy {
        let mut policy = Policy::default();
        while !input.is_empty() {
            let fork = input.fork();
            match Item::parse(&fork, errors) {
                Ok(item) => {
                    input.advance_to(&fork);
                    policy.push(item, errors);
                }
                Err(error) => {
                    errors.push(error);
                    if !skip_statement(input) {
                        break;
                    }
                }
            }
        }
        policy
    }

    /// Add an item, checking the order the grammar asks for: settings, then common rules,
    /// then blocks.
    fn push(&mut self, item: Item, errors: &mut Vec<Error>) {
        match item {
            Item::Setting(setting) => {
                if !self.rules.is_empty() || !self.blocks.is_empty() {
                    errors.push(Error::new(
                        setting.span(),
                        "settings come first: move this above the rules and `abi` blocks",
                    ));
                }
                self.settings.push(setting);
            }
            Item::Rule(rule) => {
                if !self.blocks.is_empty() {
                    errors.push(Error::new(
                        rule.action.span,
                        "a rule after an `abi` block: common rules come before the first \
                         block; move it up, or into a block",
                    ));
                }
                self.rules.push(rule);
            }
            Item::Block(block) => self.blocks.push(block),
        }
    }
}

/// One top-level statement.
enum Item {
    Setting(Setting),
    Rule(Rule),
    Block(Block),
}

impl Item {
    fn parse(input: ParseStream, errors: &mut Vec<Error>) -> Result<Item> {
        // `log = true;` is a setting, `log read;` a rule.
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let flag = Flag::parse(input)?;
            input.parse::<Token![;]>()?;
            return Ok(Item::Setting(Setting::Flag(flag)));
        }
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::default) {
            let kw = input.parse()?;
            let action = input.parse()?;
            input.parse::<Token![;]>()?;
            Ok(Item::Setting(Setting::Default { kw, action }))
        } else if lookahead.peek(kw::bad_arch) {
            let kw = input.parse()?;
            let action = input.parse()?;
            input.parse::<Token![;]>()?;
            Ok(Item::Setting(Setting::BadArch { kw, action }))
        } else if lookahead.peek(kw::unknown) {
            let kw = input.parse()?;
            let action = input.parse()?;
            input.parse::<Token![;]>()?;
            Ok(Item::Setting(Setting::Unknown { kw, action }))
        } else if lookahead.peek(kw::abi) {
            Block::parse(input, errors).map(Item::Block)
        } else if kw::peek_action(&lookahead) {
            Rule::parse(input).map(Item::Rule)
        } else {
            let mut words = vec!["default", "bad_arch", "unknown", "abi"];
            words.extend_from_slice(kw::ACTIONS);
            Err(did_you_mean(lookahead.error(), input, &words))
        }
    }
}

impl Setting {
    pub fn span(&self) -> Span {
        match self {
            Setting::Default { kw, .. } => kw.span,
            Setting::BadArch { kw, .. } => kw.span,
            Setting::Unknown { kw, .. } => kw.span,
            Setting::Flag(flag) => flag.name.span(),
        }
    }
}

impl Flag {
    fn parse(input: ParseStream) -> Result<Flag> {
        let name = input.call(Ident::parse_any)?;
        input.parse::<Token![=]>()?;
        let bool_value = |input: ParseStream| -> Result<LitBool> {
            input
                .parse()
                .map_err(|e| Error::new(e.span(), format!("`{name}` is `true` or `false`")))
        };
        let value = match name.to_string().as_str() {
            "no_new_privs" => FlagValue::NoNewPrivs(bool_value(input)?),
            "tsync" => FlagValue::Tsync(bool_value(input)?),
            "log" => FlagValue::Log(bool_value(input)?),
            "ssb" => FlagValue::Ssb(bool_value(input)?),
            "precompiled" => FlagValue::Precompiled(bool_value(input)?),
            "io_uring" => {
                let lookahead = input.lookahead1();
                FlagValue::IoUring(if lookahead.peek(kw::unfiltered) {
                    input.parse::<kw::unfiltered>()?;
                    IoUring::Unfiltered
                } else if lookahead.peek(kw::checked) {
                    input.parse::<kw::checked>()?;
                    IoUring::Checked
                } else {
                    return Err(lookahead.error());
                })
            }
            "optimize" => {
                let lookahead = input.lookahead1();
                FlagValue::Optimize(if lookahead.peek(kw::linear) {
                    input.parse::<kw::linear>()?;
                    Optimize::Linear
                } else if lookahead.peek(kw::binary_tree) {
                    input.parse::<kw::binary_tree>()?;
                    Optimize::BinaryTree
                } else {
                    return Err(lookahead.error());
                })
            }
            other => {
                let suggestion = crate::util::suggest::nearest(other, kw::SETTINGS.iter().copied());
                let settings: Vec<String> = kw::SETTINGS.iter().map(|s| format!("`{s}`")).collect();
                return Err(Error::new(
                    name.span(),
                    format!(
                        "unknown setting `{other}`{}; the settings are {}",
                        suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)")),
                        settings.join(", "),
                    ),
                ));
            }
        };
        Ok(Flag { name, value })
    }
}

impl Block {
    fn parse(input: ParseStream, errors: &mut Vec<Error>) -> Result<Block> {
        input.parse::<kw::abi>()?;
        let mut abis = vec![input.parse()?];
        loop {
            let lookahead = input.lookahead1();
            if lookahead.peek(Token![,]) {
                input.parse::<Token![,]>()?;
                abis.push(input.parse()?);
            } else if lookahead.peek(token::Brace) {
                break;
            } else {
                return Err(lookahead.error());
            }
        }
        let content;
        braced!(content in input);
        let mut rules = Vec::new();
        while !content.is_empty() {
            let fork = content.fork();
            match Rule::parse(&fork) {
                Ok(rule) => {
                    content.advance_to(&fork);
                    rules.push(rule);
                }
                Err(error) => {
                    errors.push(error);
                    if !skip_statement(&content) {
                        break;
                    }
                }
            }
        }
        Ok(Block { abis, rules })
    }
}

impl Parse for AbiName {
    fn parse(input: ParseStream) -> Result<AbiName> {
        if input.peek(kw::native) {
            Ok(AbiName::Native(input.parse()?))
        } else if input.peek(Ident) {
            Ok(AbiName::Named(input.parse()?))
        } else {
            Err(input
                .error("expected an ABI name: `x86_64`, `x86`, `x32`, `aarch64`, ... or `native`"))
        }
    }
}

impl AbiName {
    pub fn span(&self) -> Span {
        match self {
            AbiName::Named(ident) => ident.span(),
            AbiName::Native(kw) => kw.span,
        }
    }
}

impl Rule {
    fn parse(input: ParseStream) -> Result<Rule> {
        let action = input.parse()?;
        let mut syscalls = vec![input.parse()?];
        let mut except = Vec::new();
        let mut conditions = Vec::new();
        loop {
            let lookahead = input.lookahead1();
            if lookahead.peek(Token![,]) {
                input.parse::<Token![,]>()?;
                let entry = input.parse()?;
                match except.is_empty() {
                    true => syscalls.push(entry),
                    false => except.push(entry),
                }
            } else if except.is_empty() && lookahead.peek(kw::except) {
                input.parse::<kw::except>()?;
                except.push(input.parse()?);
            } else if lookahead.peek(Token![if]) {
                input.parse::<Token![if]>()?;
                conditions.push(input.parse()?);
                while input.peek(Token![&&]) {
                    input.parse::<Token![&&]>()?;
                    conditions.push(input.parse()?);
                }
                input.parse::<Token![;]>()?;
                break;
            } else if lookahead.peek(Token![;]) {
                input.parse::<Token![;]>()?;
                break;
            } else {
                return Err(lookahead.error());
            }
        }
        Ok(Rule {
            action,
            syscalls,
            except,
            conditions,
        })
    }
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> Result<Entry> {
        if input.peek(Token![@]) {
            let at = input.parse()?;
            let name = name(
                input,
                "expected a group name after `@`, e.g. `@system_service`",
            )?;
            Ok(Entry::Group { at, name })
        } else if input.peek(Token![?]) {
            let mark: Token![?] = input.parse()?;
            if input.peek(Token![@]) {
                return Err(Error::new(
                    mark.span,
                    "`?` on a group: a group's members are already skipped where an ABI lacks \
                     them; remove the `?`",
                ));
            }
            let name = name(input, "expected a syscall name after `?`")?;
            Ok(Entry::Optional { mark, name })
        } else {
            name(
                input,
                "expected a syscall name, `?name` (optional) or `@group`",
            )
            .map(Entry::Syscall)
        }
    }
}

impl Entry {
    /// The name as written, without `?` or `@`.
    pub fn name(&self) -> &Ident {
        match self {
            Entry::Syscall(name) | Entry::Optional { name, .. } | Entry::Group { name, .. } => name,
        }
    }

    /// The span of the whole entry, marker included where the compiler can join them.
    pub fn span(&self) -> Span {
        let name = self.name().span();
        let mark = match self {
            Entry::Syscall(_) => return name,
            Entry::Optional { mark, .. } => mark.span,
            Entry::Group { at, .. } => at.span,
        };
        mark.join(name).unwrap_or(name)
    }
}

/// A syscall or group name; Rust keywords are names too (x86 has `break`).
fn name(input: ParseStream, expected: &str) -> Result<Ident> {
    if input.peek(Ident::peek_any) {
        input.call(Ident::parse_any)
    } else {
        Err(input.error(expected))
    }
}

impl Parse for Action {
    fn parse(input: ParseStream) -> Result<Action> {
        let span = input.span();
        let lookahead = input.lookahead1();
        if !kw::peek_action(&lookahead) {
            return Err(did_you_mean(lookahead.error(), input, kw::ACTIONS));
        }
        let word = input.call(Ident::parse_any)?;
        let kind = match word.to_string().as_str() {
            "allow" => ActionKind::Allow,
            "log" => ActionKind::Log,
            "kill_process" => ActionKind::KillProcess,
            "kill_thread" => ActionKind::KillThread,
            "trap" => ActionKind::Trap,
            "notify" => ActionKind::Notify,
            "errno" => {
                let content;
                parenthesized!(content in input);
                let errno = content.parse()?;
                end_of_group(&content)?;
                ActionKind::Errno(errno)
            }
            "trace" => {
                let content;
                parenthesized!(content in input);
                let lit: LitInt = content.parse()?;
                if lit.base10_parse::<u16>().is_err() {
                    return Err(Error::new(
                        lit.span(),
                        "a trace message is a number from 0 to 65535",
                    ));
                }
                end_of_group(&content)?;
                ActionKind::Trace(lit)
            }
            // `peek_action` saw one of `kw::ACTIONS`, each of which has an arm above.
            other => {
                return Err(Error::new(
                    word.span(),
                    format!("`{other}` is not an action"),
                ))
            }
        };
        Ok(Action { span, kind })
    }
}

impl Parse for Errno {
    fn parse(input: ParseStream) -> Result<Errno> {
        let lookahead = input.lookahead1();
        if lookahead.peek(Ident) {
            Ok(Errno::Name(input.parse()?))
        } else if lookahead.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            match lit.base10_parse::<i32>() {
                Ok(value) => Ok(Errno::Number { lit, value }),
                Err(_) => Err(Error::new(
                    lit.span(),
                    format!(
                        "errno({lit}) is out of range: an errno is 0 to {}",
                        crate::model::errno::MAX
                    ),
                )),
            }
        } else {
            Err(lookahead.error())
        }
    }
}

impl Errno {
    pub fn span(&self) -> Span {
        match self {
            Errno::Name(ident) => ident.span(),
            Errno::Number { lit, .. } => lit.span(),
        }
    }
}

impl Parse for Comparison {
    fn parse(input: ParseStream) -> Result<Comparison> {
        let (arg, index) = argument(input)?;
        let lookahead = input.lookahead1();
        let op = if lookahead.peek(Token![==]) {
            input.parse::<Token![==]>()?;
            CmpOp::Eq
        } else if lookahead.peek(Token![!=]) {
            input.parse::<Token![!=]>()?;
            CmpOp::Ne
        } else if lookahead.peek(Token![<=]) {
            input.parse::<Token![<=]>()?;
            CmpOp::Le
        } else if lookahead.peek(Token![>=]) {
            input.parse::<Token![>=]>()?;
            CmpOp::Ge
        } else if lookahead.peek(Token![<]) {
            input.parse::<Token![<]>()?;
            CmpOp::Lt
        } else if lookahead.peek(Token![>]) {
            input.parse::<Token![>]>()?;
            CmpOp::Gt
        } else if lookahead.peek(Token![&]) && !input.peek(Token![&&]) {
            input.parse::<Token![&]>()?;
            let mask = input.parse()?;
            if !input.peek(Token![==]) {
                return Err(
                    input.error("expected `==`: a masked comparison is `argN & mask == value`")
                );
            }
            input.parse::<Token![==]>()?;
            CmpOp::MaskedEq(mask)
        } else {
            return Err(lookahead.error());
        };
        let value = input.parse()?;
        Ok(Comparison {
            arg,
            index,
            op,
            value,
        })
    }
}

/// `argN`, with `N` as written; whether the syscall has that argument is a check.
fn argument(input: ParseStream) -> Result<(Ident, u8)> {
    const EXPECTED: &str = "expected an argument: `arg0` to `arg5`";
    if !input.peek(Ident::peek_any) {
        return Err(input.error(EXPECTED));
    }
    let arg = input.call(Ident::parse_any)?;
    let name = arg.to_string();
    let digits = name.strip_prefix("arg").unwrap_or_default();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(arg.span(), EXPECTED));
    }
    match digits.parse::<u8>() {
        Ok(index) => Ok((arg, index)),
        Err(_) => Err(Error::new(
            arg.span(),
            format!("`{name}`: syscalls have arguments arg0 to arg5"),
        )),
    }
}

impl Parse for Value {
    fn parse(input: ParseStream) -> Result<Value> {
        if input.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            match lit.base10_parse::<u64>() {
                Ok(value) => Ok(Value::Lit { lit, value }),
                Err(_) if lit.base10_digits().starts_with('-') => Err(Error::new(
                    lit.span(),
                    format!(
                        "arguments are unsigned 64-bit values; write `({lit}i64)` to compare \
                         with {lit} sign-extended, as C does"
                    ),
                )),
                Err(_) => Err(Error::new(
                    lit.span(),
                    "this value does not fit in a 64-bit argument",
                )),
            }
        } else if input.peek(token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            let expr = Box::new(content.parse()?);
            end_of_group(&content)?;
            Ok(Value::Expr { paren, expr })
        } else if input.peek(Ident)
            || input.peek(Token![::])
            || input.peek(Token![crate])
            || input.peek(Token![self])
            || input.peek(Token![super])
            || input.peek(Token![Self])
        {
            Ok(Value::Path(Box::new(Path::parse_mod_style(input)?)))
        } else {
            Err(input.error(
                "expected a value: an integer literal, a constant (`libc::O_RDONLY`) or a \
                 parenthesized expression",
            ))
        }
    }
}

impl Value {
    /// For a value only the compiled program knows, its tokens as text: the same text is
    /// the same value.
    pub fn opaque_key(&self) -> Option<String> {
        match self {
            Value::Lit { .. } => None,
            Value::Path(path) => Some(path.to_token_stream().to_string()),
            Value::Expr { expr, .. } => Some(expr.to_token_stream().to_string()),
        }
    }
}

/// Fail unless a parenthesized group has been parsed to its end.
fn end_of_group(content: ParseStream) -> Result<()> {
    if content.is_empty() {
        Ok(())
    } else {
        Err(content.error("expected `)`"))
    }
}

/// Add "did you mean" to a lookahead error when the unexpected token is a misspelt word.
fn did_you_mean(error: Error, input: ParseStream, words: &[&str]) -> Error {
    let Ok(ident) = input.fork().call(Ident::parse_any) else {
        return error;
    };
    match crate::util::suggest::nearest(&ident.to_string(), words.iter().copied()) {
        Some(word) => Error::new(ident.span(), format!("{error}; did you mean `{word}`?")),
        None => error,
    }
}

/// Skip past the statement that failed to parse: to the next `;` or `{ ... }` group at
/// this level, inclusive. Returns whether anything was skipped.
fn skip_statement(input: ParseStream) -> bool {
    let mut skipped = false;
    while !input.is_empty() {
        if input.peek(Token![;]) {
            return input.parse::<Token![;]>().is_ok() || skipped;
        }
        match input.parse::<TokenTree>() {
            Ok(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => return true,
            Ok(_) => skipped = true,
            Err(_) => return skipped,
        }
    }
    skipped
}
