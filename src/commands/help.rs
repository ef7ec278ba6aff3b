//! `help` / `pomoc`: the grammar in the asker's language.

use super::{Command, Spec};
use crate::domain::Lang;

pub const SPEC: Spec = Spec {
    keywords: &[(&["help"], Lang::En), (&["pomoc"], Lang::Pl)],
    parse: |_| Ok(Command::Help),
};

/// The help text: the grammar in the asker's language.
pub fn help(lang: Lang) -> &'static str {
    match lang {
        Lang::Pl => "Polecenia (w temacie albo w pierwszych wierszach wiadomości, po jednym w wierszu):
  wstrzymaj klienta X [do DATA]    – bez przypomnień do daty albo do odwołania
  wznów klienta X
  wstrzymaj fakturę N / wznów fakturę N
  status klienta X                 – otwarte faktury, wpłaty, wysłane przypomnienia, następny krok
  raport tygodniowy                – zaległe faktury z tym, co zrobić (PDF i XLSX w załączniku)
  raport miesięczny [11/2026]      – raport dla zarządu: wpływy, wiekowanie, DSO, płatnicy
  wiekowanie                       – należności według dni po terminie
  wyciąg X / potwierdzenie salda X – wyciąg z konta klienta albo potwierdzenie salda
  zaległości                       – wszystkie zaległe faktury według klientów
  opłacona N [KWOTA] [DATA]        – wpłata widziana gdzie indziej (gotówka, inny bank)
  dopasuj PŁATNOŚĆ N…              – przypisz płatność z kolejki do faktur
  odepnij PŁATNOŚĆ
  obietnica X DATA                 – klient obiecał zapłacić; przypomnienia wrócą same, jeśli nie zapłaci
  spór N [POWÓD]                   – faktura w sporze: bez przypomnień, eskalacji i wezwań
  rozwiąż spór N [POWÓD] / anuluj spór N [POWÓD]
  wstrzymaj abonament A / wznów abonament A / anuluj abonament A
                                   – fakturowanie abonamentu (A: numer jak #12, nr umowy albo klient)
  pomoc
X to fragment nazwy, NIP albo adres e-mail klienta; DATA jak 2026-12-01 albo 1.12.2026.",
        Lang::En => "Commands (in the subject or the first lines of the mail, one per line):
  pause client X [until DATE]      – no reminders until the date, or until resumed
  resume client X
  pause invoice N / resume invoice N
  status X                         – open invoices, payments, reminders sent, the next step
  weekly report                    – overdue invoices with what to do (PDF and XLSX attached)
  monthly report [2026-11]         – the management report: cash-in, aging, DSO, payers
  aging                            – receivables by days past due
  statement X / balance confirmation X – a client's statement or balance confirmation
  overdue                          – every overdue invoice by client
  paid N [AMOUNT] [DATE]           – a payment seen elsewhere (cash, another bank)
  match PAYMENT N…                 – allocate a payment from the review queue
  unmatch PAYMENT
  promise X DATE                   – the client promised to pay; reminders resume if it does not
  dispute N [REASON]               – the invoice is disputed: no reminders, escalation or demand
  resolve dispute N [REASON] / cancel dispute N [REASON]
  pause subscription S / resume subscription S / cancel subscription S
                                   – a subscription's invoicing (S: its number like #12, its id, or the client)
  help
X is part of the client's name, its NIP or an e-mail address; DATE like 2026-12-01 or 1.12.2026.",
    }
}
