//! nanome-lib's macro serializers (`Macro`, `SaveMacro`, `DeleteMacro`, `RunMacro` 0–1,
//! `GetMacros`, `GetMacrosResponse`) as nts's room macros.

use super::serial::{Reader, SerialError, Writer};
use crate::api::room::Macro;

/// Most macros one answer lists.
const MAX_MACROS: usize = 10_000;

/// A `Macro`: title, then its Lua.
pub fn read_macro(r: &mut Reader<'_>) -> Result<Macro, SerialError> {
    Ok(Macro {
        title: r.string("the macro's title")?,
        logic: r.string("the macro's logic")?,
    })
}

/// `save_macro` and `delete_macro`: the macro, whether for all users, and the plugin's
/// identifier (nts keeps macros per room: both are read and left).
pub fn read_saved(r: &mut Reader<'_>) -> Result<Macro, SerialError> {
    let m = read_macro(r)?;
    if r.remaining() > 0 {
        r.bool("the all-users flag")?;
        r.string("the plugin's identifier")?;
    }
    Ok(m)
}

/// `get_macros_response`: the macros.
pub fn write_list(macros: &[Macro]) -> Vec<u8> {
    let mut w = Writer::default();
    let n = macros.len().min(MAX_MACROS);
    w.u32(n as u32);
    for m in &macros[..n] {
        w.string(&m.title).string(&m.logic);
    }
    w.bytes
}

/// `run_macro_result` at `RunMacro` version `v`: whether it ran (from version 1; empty
/// before).
pub fn write_run_result(v: u8, ran: bool) -> Vec<u8> {
    let mut w = Writer::default();
    if v >= 1 {
        w.bool(ran);
    }
    w.bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_round_trip() {
        let m = Macro {
            title: "spin".into(),
            logic: "print(1)".into(),
        };
        let list = write_list(std::slice::from_ref(&m));
        let mut r = Reader::new(&list);
        assert_eq!(r.u32("n").unwrap(), 1);
        assert_eq!(read_macro(&mut r).unwrap(), m);
        let mut w = Writer::default();
        w.string("spin").string("print(1)").bool(true).string("id");
        assert_eq!(read_saved(&mut Reader::new(&w.bytes)).unwrap(), m);
        assert_eq!(
            (write_run_result(0, true), write_run_result(1, true)),
            (vec![], vec![1])
        );
    }
}
