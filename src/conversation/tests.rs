//! The intent grammar against replies as clients write them: Polish and English, with quoted
//! history, signatures, negations, out-of-office texts. Today is Monday 23 November 2026.

use super::*;
use Intent::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn d(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// (reply, intents found in order, promised date)
fn cases() -> Vec<(&'static str, Vec<Intent>, Option<NaiveDate>)> {
    vec![
        // Written as clients write them, and once read as nothing.
        (
            "Witam, płatność została zlecona 28.11. Pozdrawiam",
            vec![AlreadyPaid],
            None,
        ),
        ("Zleciliśmy płatność w piątek.", vec![AlreadyPaid], None),
        (
            "Faktura zostanie opłacona w ciągu 7 dni.",
            vec![Promise],
            d("2026-11-30"),
        ),
        (
            "Należność zostanie uregulowana do końca miesiąca.",
            vec![Promise],
            d("2026-11-30"),
        ),
        ("Faktura jest błędna.", vec![Dispute], None),
        (
            "Kwota została już przelana na Państwa konto.",
            vec![AlreadyPaid],
            None,
        ),
        (
            "Opłacone.\n\nPozdrawiam\nJan Nowak",
            vec![AlreadyPaid],
            None,
        ),
        ("Zapłacone w dniu 20.11.2026 r.", vec![AlreadyPaid], None),
        ("Pieniądze wysłaliśmy wczoraj.", vec![AlreadyPaid], None),
        ("Przelaliśmy całą kwotę w piątek.", vec![AlreadyPaid], None),
        ("We've paid it already.", vec![AlreadyPaid], None),
        ("Faktura nie dotyczy naszej firmy.", vec![Dispute], None),
        (
            "To nie nasza faktura, prosimy sprawdzić nabywcę.",
            vec![Dispute],
            None,
        ),
        (
            "You have sent this to the wrong company.",
            vec![Dispute],
            None,
        ),
        (
            "Proszę o wstrzymanie wysyłki przypomnień, sprawa jest w toku.",
            vec![Dispute],
            None,
        ),
        (
            "Our company has entered administration.",
            vec![Insolvency],
            None,
        ),
        (
            "Administrators were appointed on 20 November; please direct all claims to them.",
            vec![Insolvency],
            None,
        ),
        (
            "Faktura trafiła do działu księgowości, zostanie opłacona w najbliższym cyklu płatności.",
            vec![Promise],
            None,
        ),
        (
            "Dokonaliśmy kompensaty z Państwa fakturą kosztową nr 45/2026.",
            vec![Dispute],
            None,
        ),
        (
            "We have set it off against your invoice 17/2026.",
            vec![Dispute],
            None,
        ),
        ("Please stop sending these emails.", vec![Dispute], None),
        // Twins: not a claim of payment.
        ("Czy faktura jest już opłacona?", vec![], None),
        ("Nie zostało jeszcze opłacone.", vec![], None),
        ("Przelaliście nam za dużo, prosimy o zwrot.", vec![], None),
        ("This is not our fault, the bank delayed it.", vec![], None),
        ("Ogłosiliśmy upadłość.", vec![Insolvency], None),
        (
            "Firma jest w likwidacji, prosimy kontaktować się z likwidatorem.",
            vec![Insolvency],
            None,
        ),
        (
            "Otworzyliśmy postępowanie sanacyjne; nadzorca sądowy odpowie na zgłoszenie.",
            vec![Insolvency],
            None,
        ),
        (
            "The company has gone into liquidation.",
            vec![Insolvency],
            None,
        ),
        (
            "Nie jesteśmy w upadłości, zapłacimy jutro.",
            vec![Promise],
            d("2026-11-24"),
        ),
        (
            "Faktura nie jest błędna, zapłacimy jutro.",
            vec![Promise],
            d("2026-11-24"),
        ),
        ("Na fakturze jest błąd w kwocie.", vec![Dispute], None),
        ("There is a mistake on the invoice.", vec![Dispute], None),
        ("The invoice is wrong.", vec![Dispute], None),
        (
            "Przelew wykonaliśmy 27.11.2026, proszę sprawdzić.",
            vec![AlreadyPaid],
            None,
        ),
        (
            "Hi, the payment went out this morning.",
            vec![AlreadyPaid],
            None,
        ),
        (
            "Our accounts payable team will process it in the next payment run.",
            vec![Promise],
            None,
        ),
        (
            "Dzień dobry, faktura została przekazana do księgowości, zapłata w terminie.",
            vec![Promise],
            None,
        ),
        ("We haven't received the goods yet.", vec![Dispute], None),
        (
            "Witam, proszę o kontakt w sprawie tej faktury - nie zgadza się ilość.",
            vec![Dispute],
            None,
        ),
        (
            "Prosimy o wstrzymanie monitów, sprawa jest w trakcie wyjaśniania.",
            vec![Dispute],
            None,
        ),
        (
            "The invoice is on hold pending approval from our finance director.",
            vec![Dispute],
            None,
        ),
        (
            "Could you send us a statement of our account?",
            vec![AsksStatement],
            None,
        ),
        (
            "Płatność nastąpi po otrzymaniu korekty.",
            vec![Dispute, Promise],
            None,
        ),
        (
            "Czekamy na fakturę korygującą, do tego czasu wstrzymujemy płatność.",
            vec![Dispute],
            None,
        ),
        (
            "Faktura została anulowana przez Państwa handlowca.",
            vec![Dispute],
            None,
        ),
        (
            "Please stop sending these emails, the invoice was cancelled.",
            vec![Dispute],
            None,
        ),
        (
            "We are waiting for the credit note before we pay.",
            vec![Dispute],
            None,
        ),
        // Disputes.
        (
            "Dzień dobry, reklamujemy fakturę FV/2026/11/001 – towar nie dotarł.",
            vec![Dispute],
            None,
        ),
        (
            "Nie zamawialiśmy tej usługi. Proszę o anulowanie faktury.",
            vec![Dispute],
            None,
        ),
        (
            "Kwota się nie zgadza z ofertą, prosimy o korektę.",
            vec![Dispute],
            None,
        ),
        (
            "Błędna kwota na fakturze – w zamówieniu było 1000 zł netto.",
            vec![Dispute],
            None,
        ),
        (
            "Brak towaru, paczka nie doszła. Nie zapłacimy, dopóki nie dostaniemy dostawy.",
            vec![Dispute],
            None,
        ),
        (
            "Prosimy o fakturę korygującą, stawka VAT jest nieprawidłowa.",
            vec![Dispute],
            None,
        ),
        ("Nie zapłacimy tej faktury.", vec![Dispute], None),
        (
            "Nie otrzymaliśmy jeszcze towaru, więc faktura jest dla nas sporna.",
            vec![Dispute],
            None,
        ),
        (
            "We dispute this invoice: the goods were never delivered.",
            vec![Dispute],
            None,
        ),
        (
            "We did not order this. Please cancel the invoice.",
            vec![Dispute],
            None,
        ),
        (
            "The amount is wrong, we were overcharged by 200 EUR.",
            vec![Dispute],
            None,
        ),
        (
            "Usługa nie została wykonana w terminie, dlatego kwestionujemy fakturę.",
            vec![Dispute],
            None,
        ),
        // Already paid.
        (
            "Zapłaciliśmy wczoraj, w załączeniu potwierdzenie przelewu.",
            vec![AlreadyPaid],
            None,
        ),
        ("Faktura została opłacona 20.11.", vec![AlreadyPaid], None),
        ("Przelew został wysłany w piątek.", vec![AlreadyPaid], None),
        (
            "Dzień dobry, należność uregulowaliśmy przelewem 19 listopada.",
            vec![AlreadyPaid],
            None,
        ),
        (
            "We have already paid this invoice on 20 November.",
            vec![AlreadyPaid],
            None,
        ),
        (
            "Payment was made yesterday, please check.",
            vec![AlreadyPaid],
            None,
        ),
        (
            "Środki zostały przelane, proszę sprawdzić.\n\nPozdrawiam\nAnna",
            vec![AlreadyPaid],
            None,
        ),
        // Promises.
        ("Zapłacimy do 15.12.", vec![Promise], d("2026-12-15")),
        ("Płatność w piątek.", vec![Promise], d("2026-11-27")),
        (
            "Przelew wyjdzie w przyszłą środę.",
            vec![Promise],
            d("2026-12-02"),
        ),
        (
            "Ureguluję należność do końca miesiąca, przepraszam za opóźnienie.",
            vec![Promise],
            d("2026-11-30"),
        ),
        ("We will pay next Friday.", vec![Promise], d("2026-12-04")),
        (
            "The invoice will be paid by 12/15/2026.",
            vec![Promise],
            d("2026-12-15"),
        ),
        ("Zapłacimy jutro.", vec![Promise], d("2026-11-24")),
        ("Zapłacimy w ciągu 7 dni.", vec![Promise], d("2026-11-30")),
        (
            "Zapłacimy jak tylko klient nam zapłaci.",
            vec![Promise],
            None,
        ),
        (
            "Nie zapłacimy dziś, ale zapłacimy w czwartek.",
            vec![Promise],
            d("2026-11-26"),
        ),
        // Asks for the invoice.
        (
            "Proszę o przesłanie kopii faktury, nie mogę jej znaleźć.",
            vec![AsksInvoice],
            None,
        ),
        (
            "Nie otrzymaliśmy faktury FV/2026/11/002, prosimy o przesłanie.",
            vec![AsksInvoice],
            None,
        ),
        (
            "Could you send us a copy of the invoice?",
            vec![AsksInvoice],
            None,
        ),
        (
            "We haven't received the invoice yet.",
            vec![AsksInvoice],
            None,
        ),
        // Asks for a statement.
        (
            "Prosimy o potwierdzenie salda na koniec listopada.",
            vec![AsksStatement],
            None,
        ),
        (
            "Ile jeszcze jesteśmy winni? Proszę o zestawienie faktur.",
            vec![AsksStatement],
            None,
        ),
        (
            "Could you send us a statement of account?",
            vec![AsksStatement],
            None,
        ),
        // Several at once.
        (
            "Zapłacimy do 10.12, ale prosimy o kopię faktury FV/2026/11/002.",
            vec![Promise, AsksInvoice],
            d("2026-12-10"),
        ),
        (
            "Fakturę 001 zapłaciliśmy, a 002 reklamujemy – błędna ilość.",
            vec![Dispute, AlreadyPaid],
            None,
        ),
        // Negations and nothing to act on.
        (
            "Jeszcze nie zapłaciliśmy, sprawdzę to z księgową.",
            vec![],
            None,
        ),
        (
            "Nie mamy żadnej reklamacji, wszystko w porządku. Dziękujemy!",
            vec![],
            None,
        ),
        ("Dziękuję za informację.", vec![], None),
        (
            "We have not paid yet, I will check with accounting.",
            vec![],
            None,
        ),
        (
            "Jestem na urlopie do 7.12. W pilnych sprawach proszę o kontakt z biurem.",
            vec![],
            None,
        ),
        // Quoted history below the reply must not be read.
        (
            "OK, dziękuję.\n\nW dniu 23.11.2026 o 09:00 Należności <n@firma.pl> napisał(a):\n> Prosimy o zapłatę do 30.11. Jeśli zapłacili Państwo, prosimy...",
            vec![],
            None,
        ),
        (
            "Zapłacimy w piątek.\n\n-----Original Message-----\nFrom: Firma\nSent: Monday\nWe dispute nothing; please pay the invoice.",
            vec![Promise],
            d("2026-11-27"),
        ),
        // A signature with a phone number and an address is not a date.
        (
            "Płatność nastąpi niezwłocznie.\n--\nJan Kowalski\ntel. 22 123 45 67\nul. Polna 12/14",
            vec![Promise],
            None,
        ),
    ]
}

#[test]
fn the_intent_grammar() {
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 40, "{} cases", all.len());
    for (text, want, date) in &all {
        let r = read_reply(text, None, today());
        let got: Vec<Intent> = r.found.iter().map(|f| f.intent).collect();
        if &got != want || r.promised != *date {
            failures.push(format!(
                "{text:?}\n    want {want:?} {date:?}\n    got  {got:?} {:?} {:?}",
                r.promised, r.found
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn an_out_of_office_text_is_flagged_and_promises_nothing() {
    let r = read_reply(
        "Dzień dobry, jestem poza biurem do 7 grudnia. Automatyczna odpowiedź.",
        None,
        today(),
    );
    assert!(r.out_of_office);
    assert_eq!(r.primary(), Other);
    assert_eq!(r.promised, None);
}

#[test]
fn an_attached_confirmation_is_a_claim_of_payment() {
    let r = read_reply("W załączeniu.", Some("potwierdzenie_przelewu.pdf"), today());
    assert_eq!(r.primary(), AlreadyPaid);
    assert_eq!(r.phrase(AlreadyPaid), Some("[potwierdzenie_przelewu.pdf]"));
}

#[test]
fn invoices_named_in_a_reply() {
    let numbers: Vec<InvoiceNumber> = ["FV/2026/11/001", "FV/0012/11/2026", "12/11/2026"]
        .iter()
        .map(|n| InvoiceNumber::parse(n).unwrap())
        .collect();
    assert_eq!(
        mentions("Reklamujemy fakturę FV/2026/11/001.", &numbers),
        vec![0]
    );
    assert_eq!(mentions("dot. faktury 12/11/2026", &numbers), vec![1, 2]);
    assert_eq!(mentions("Zapłacimy jutro.", &numbers), Vec::<usize>::new());
}

#[test]
fn confirmations_by_name_or_text() {
    assert!(is_transfer_confirmation(
        "Potwierdzenie_przelewu_123.pdf",
        None
    ));
    assert!(is_transfer_confirmation(
        "dokument.pdf",
        Some("mBank S.A. Potwierdzenie wykonania przelewu")
    ));
    assert!(!is_transfer_confirmation(
        "umowa.pdf",
        Some("Umowa o świadczenie usług")
    ));
}
