//! The command line's option parsing.

/// Whether `--help` or `-h` is among the words: every command answers it on stdout.
pub fn asks_help(words: &[&str]) -> bool {
    words.iter().any(|w| matches!(*w, "--help" | "-h"))
}

/// `--name value` (or `--name=value`) pairs and bare flags, in order.
pub struct Args<'a> {
    words: &'a [&'a str],
    /// Which words an option or flag has taken, so that `finish` can name any other.
    taken: std::cell::RefCell<Vec<bool>>,
}

impl<'a> Args<'a> {
    pub fn new(words: &'a [&'a str]) -> Args<'a> {
        Args { words, taken: std::cell::RefCell::new(vec![false; words.len()]) }
    }

    /// The value of `--name value` or `--name=value`.
    pub fn value<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        let joined = |w: &&str| w.strip_prefix(name).is_some_and(|rest| rest.starts_with('='));
        let v = if let Some(i) = self.words.iter().position(joined) {
            self.taken.borrow_mut()[i] = true;
            &self.words[i][name.len() + 1..]
        } else if let Some(i) = self.words.iter().position(|w| *w == name) {
            let v = self.words.get(i + 1).ok_or_else(|| format!("{name} needs a value"))?;
            self.taken.borrow_mut()[i..=i + 1].fill(true);
            v
        } else {
            return Ok(None);
        };
        v.parse().map(Some).map_err(|_| format!("{name} got {v:?}, which is not a valid value"))
    }

    /// Overwrites `field` when the option is given.
    pub fn set<T: std::str::FromStr>(&self, name: &str, field: &mut T) -> Result<(), String> {
        if let Some(v) = self.value(name)? {
            *field = v;
        }
        Ok(())
    }

    pub fn flag(&self, name: &str) -> bool {
        let i = self.words.iter().position(|w| *w == name);
        if let Some(i) = i {
            self.taken.borrow_mut()[i] = true;
        }
        i.is_some()
    }

    /// Refuses the first word no option or flag took.
    pub fn finish(&self) -> Result<(), String> {
        match self.untaken() {
            Some(word) => Err(format!("unknown argument {word:?}; see --help")),
            None => Ok(()),
        }
    }

    /// The first word no option or flag took.
    pub fn untaken(&self) -> Option<&'a str> {
        self.taken.borrow().iter().position(|t| !t).map(|i| self.words[i])
    }
}
