//! What a client's reply says, read by rules a person can check: phrases in Polish and English,
//! each intent with the words that showed it. Deterministic and local; no outside service.
//!
//! The text is the reply without quoted history and signature ([`super::clean`]), folded to lower
//! case without diacritics. A phrase preceded in its clause by a negation ("nie", "not", "never")
//! does not count: "jeszcze nie zapłaciliśmy" is not a claim of payment. A refusal to pay ("nie
//! zapłacimy tej faktury", "we will not pay") with no promise or date beside it is a dispute.

use super::when;
use chrono::NaiveDate;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// What the client wants or says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// The client is bankrupt, in liquidation or in restructuring: the claim is pursued in those
    /// proceedings, by a person, not by reminders.
    Insolvency,
    /// A complaint about the invoice: not ordered, wrong amount, goods missing, a correction asked.
    Dispute,
    /// Says it has paid, or sends a transfer confirmation.
    AlreadyPaid,
    /// Promises to pay (by a date, when it names one).
    Promise,
    /// Asks for the invoice or a copy.
    AsksInvoice,
    /// Asks for a statement of its account or its balance.
    AsksStatement,
    Other,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Insolvency => "insolvency",
            Intent::Dispute => "dispute",
            Intent::AlreadyPaid => "already_paid",
            Intent::Promise => "promise",
            Intent::AsksInvoice => "asks_invoice",
            Intent::AsksStatement => "asks_statement",
            Intent::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Intent> {
        [
            Intent::Insolvency,
            Intent::Dispute,
            Intent::AlreadyPaid,
            Intent::Promise,
            Intent::AsksInvoice,
            Intent::AsksStatement,
            Intent::Other,
        ]
        .into_iter()
        .find(|i| i.as_str() == s)
    }
}

/// One intent found, and the client's own words that showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    pub intent: Intent,
    /// The sentence it was found in, as the client wrote it (shortened).
    pub phrase: String,
}

/// What a reply says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// Each intent once, strongest first (insolvency, dispute, paid, promise, asks invoice, asks
    /// statement).
    pub found: Vec<Found>,
    /// The day the client promised to pay by, when it named one.
    pub promised: Option<NaiveDate>,
    /// The text reads as an out-of-office notice.
    pub out_of_office: bool,
}

impl Reading {
    /// The intent that decides what is done: the strongest found, else `Other`.
    pub fn primary(&self) -> Intent {
        self.found
            .first()
            .map(|f| f.intent)
            .unwrap_or(Intent::Other)
    }

    pub fn has(&self, intent: Intent) -> bool {
        self.found.iter().any(|f| f.intent == intent)
    }

    pub fn phrase(&self, intent: Intent) -> Option<&str> {
        self.found
            .iter()
            .find(|f| f.intent == intent)
            .map(|f| f.phrase.as_str())
    }
}

fn re(alternatives: &[&str]) -> Regex {
    let pattern = format!(r"\b(?:{})\b", alternatives.join("|"));
    // Constants of this file; a test compiles them all.
    Regex::new(&pattern).unwrap_or_else(|e| panic!("bad pattern: {e}"))
}

static INSOLVENCY: LazyLock<Regex> = LazyLock::new(|| {
    re(&[
        r"upadlosc\w*",
        r"w likwidacji",
        r"likwidacj\w* (?:spolki|firmy|dzialalnosci)",
        r"postawion\w* w stan likwidacji",
        r"w restrukturyzacji",
        r"(?:otwarci\w*|otworzyl\w*|wszczeci\w*|wszczel\w*) (?:postepowania )?restrukturyzac\w*",
        r"postepowani\w* (?:sanacyjn|ukladow|restrukturyzacyjn)\w*",
        r"syndyk\w*",
        r"nadzorc\w* (?:sadow|ukladu)\w*",
        r"bankrupt\w*",
        r"insolven\w*",
        r"(?:in|into|entered|under) (?:liquidation|receivership|administration)",
        r"(?:administrators?|receivers?) (?:have |has )?(?:been |were |was )?appointed",
        r"liquidator\w*",
    ])
});

static DISPUTE: LazyLock<Regex> = LazyLock::new(|| {
    re(&[
        r"reklamacj\w*",
        r"reklamuj\w*",
        r"zareklamowa\w*",
        r"nie zamawial\w*",
        r"nie zamowil\w*",
        r"nie zlecal\w*",
        r"nie zlecil\w*",
        r"(?:bledn|niepoprawn|nieprawidlow|zl)\w* (?:kwot|cen|stawk|faktur|nip|dan|wartosc|ilosc)\w*",
        r"faktur\w* (?:jest |sa |byla |wydaje sie )?(?:bledn|niepoprawn|nieprawidlow|wystawion\w* (?:blednie|niepoprawnie|nieprawidlowo))\w*",
        r"(?:na|w) fakturze (?:jest |sa |wystepuje |wystepuja )?(?:blad|bledy|pomylk)\w*",
        r"(?:blad|bledy|pomylk\w*) (?:na|w) fakturze",
        r"(?:invoice|bill) (?:is|was|seems|looks) (?:wrong|incorrect|inaccurate|erroneous)",
        r"(?:mistake|error|errors|mistakes) (?:on|in) the (?:invoice|bill)",
        r"kwota (?:jest |sie )?(?:nie ?zgadza|niezgodn|bledn|zawyzon)\w*",
        r"(?:kwota|cena|faktura|stawka) (?:sie )?nie zgadza",
        r"niezgodn\w* z (?:umow|zamowien|ofert|cennik)\w*",
        r"zawyzon\w*",
        r"brak (?:towaru|uslugi|dostawy|przesylki|zamowienia)",
        r"(?:towar|przesylk|paczk|dostaw|zamowieni|sprzet|usluga|uslugi|prace)\w* nie (?:dotarl|doszl|zostal\w* (?:dostarczon|wykonan|zrealizowan|wyslan))\w*",
        r"nie (?:otrzymal|dostal)\w* (?:jeszcze )?(?:tego )?(?:towar|zamowien|uslug|przesylk|paczk|dostaw|sprzet)\w*",
        r"nie (?:wykonano|zrealizowano|dostarczono|wykonaliscie|dostarczyliscie)\w*",
        r"(?:prosimy|prosze|prosilbym|prosilabym|wnosimy|wnosze) o (?:wystawienie )?(?:korekt|anulowan|wycofan)\w*",
        r"faktur\w* korygujac\w*",
        r"korekt\w* (?:tej |do )?faktur\w*",
        r"kwestionuj\w*",
        r"nie zgadza(?:m|my) sie",
        r"nie uznaj\w*",
        r"odmawiamy zaplaty",
        r"odmawiam zaplaty",
        r"sporn\w*",
        r"wadliw\w*",
        r"uszkodzon\w*",
        r"odstepujemy od umowy",
        r"odstapil\w* od umowy",
        r"wypowiedzial\w* umow\w*",
        r"(?:rozwiazal|rozwiazalismy)\w* umow\w*",
        r"disput\w*",
        r"complain\w*",
        r"(?:we|i) (?:did not|didn't|never) order\w*",
        r"(?:not|never) ordered",
        r"(?:wrong|incorrect|inaccurate|erroneous) (?:amount|price|invoice|rate|vat|quantity|details|total)\w*",
        r"overcharg\w*",
        r"(?:goods|order|delivery|parcel|items?|service|work)s? (?:was |were |has |have )?(?:not|never) (?:been )?(?:delivered|received|provided|performed|rendered|done|completed)",
        r"(?:have|has) not received the (?:goods|order|delivery|items?|service)",
        r"(?:did not|didn't|never) receive the (?:goods|order|delivery|items?|service)",
        r"credit note",
        r"please (?:correct|cancel|withdraw)",
        r"(?:do not|don't) agree",
        r"disagree",
        r"defective",
        r"damaged",
        r"faulty",
        r"refuse to pay",
        r"cancell?ed (?:the |our )?(?:order|contract|subscription)",
        r"faktur\w* (?:zostal\w* |jest |byla )?(?:juz )?(?:anulowan|wycofan|stornowan)\w*",
        r"(?:anulowal|wycofal)\w* (?:te |ta |tej )?(?:fakture|zamowienie|umowe)",
        r"(?:po|do czasu|do) (?:otrzymani\w*|wystawieni\w*|doslani\w*|przeslani\w*) (?:faktury )?korekt\w*",
        r"czekamy na (?:fakture )?korekt\w*",
        r"(?:invoice|order) (?:was |has been |is )?(?:cancell?ed|withdrawn|voided)",
        r"(?:waiting|wait) for (?:the |a )?(?:corrected invoice|credit note|correction)",
        r"nie zgadza (?:sie )?(?:kwota|cena|ilosc|stawka|wartosc|faktura|suma)\w*",
        r"(?:wstrzyma|zatrzyma)\w* (?:(?:wysylani|wysylk)\w* )?(?:monit|przypomn|wezwa|windykac)\w*",
        r"(?:faktur|dokument|naleznosc|rachun)\w* nie dotycz\w*",
        r"nie (?:jest |sa )?(?:to )?nasz[aey]? (?:faktur|naleznosc|zobowiazani)\w*",
        r"not our (?:invoice|bill)",
        r"(?:invoice|bill) (?:is not|isn't|was not|wasn't) (?:ours|for us|addressed to us|for our company)",
        r"wrong (?:company|customer|recipient|addressee)",
        r"w trakcie wyjasnian\w*",
        r"(?:haven't|hasn't) received the (?:goods|order|delivery|items?|service)",
        r"(?:stop|pause|hold) (?:sending )?(?:the |these |your )?(?:reminders|dunning|chasers|e-?mails|messages)",
        r"(?:dokonal|przeprowadzil)\w* (?:\w+ )?(?:kompensat|potraceni)\w*",
        r"kompensat\w* (?:naleznosci|faktur|wzajemn|z)\w*",
        r"potracil\w*",
        r"potracamy",
        r"set (?:it )?off against",
        r"offset (?:it )?against",
        r"(?:invoice|payment) is on hold",
    ])
});

static PAID: LazyLock<Regex> = LazyLock::new(|| {
    re(&[
        r"(?:juz )?zaplacil\w*",
        r"(?:juz )?oplacil\w*",
        r"(?:juz )?uregulowal\w*",
        r"(?:juz )?splacil\w*",
        r"(?:zostala|zostaly|zostalo|zostal|jest|sa) (?:juz )?(?:oplacon|zaplacon|uregulowan|splacon|rozliczon|przelan)\w*",
        r"(?:oplacon|zaplacon|uregulowan)[aeoy]? (?:juz )?(?:w dniu|dnia|dn|przelewem)",
        r"(?:juz )?(?:przelal|wplacil)(?:ismy|esmy|em|am|a)",
        r"(?:wyslal|przekazal)(?:ismy|esmy|em|am|a) (?:juz )?(?:wczoraj |dzis |dzisiaj |rano )?(?:pieniadze|srodki|kwote|naleznosc|platnosc|wplate)",
        r"(?:pieniadze|srodki|kwote|naleznosc|platnosc|wplate) (?:juz )?(?:wyslal|przekazal|przelal|wplacil)(?:ismy|esmy|em|am|a)",
        r"(?:faktur|naleznosc|kwot|rachun)\w* (?:juz )?(?:oplacon|zaplacon|uregulowan)\w*",
        r"przelew (?:zostal |juz )*(?:wyslany|wykonany|zlecony|zrealizowany|poszedl|wyszedl|zaksiegowany)",
        r"(?:wyslal|wykonal|zlecil|zrobil|puscil)\w* (?:juz )?przelew\w*",
        r"srodki (?:zostaly )?(?:juz )?(?:przelane|wyslane|przekazane)",
        r"potwierdzeni\w* (?:przelewu|zaplaty|platnosci|transakcji|wykonania)",
        r"wplata (?:zostala )?(?:juz )?(?:dokonana|wykonana|zrealizowana)",
        r"(?:platnosc|zaplata|wplata) (?:zostala |juz )+(?:zlecona|wykonana|wyslana|zrealizowana|dokonana|przelana)",
        r"zlecil\w* (?:juz )?(?:platnosc|wplate|zaplate)",
        r"przelew (?:juz )?(?:wyslal|wykonal|zlecil|zrobil|puscil)\w*",
        r"(?:payment|transfer|money|funds) (?:went|has gone|was sent|has been sent) (?:out|through)",
        r"dokonal\w* (?:juz )?(?:wplaty|platnosci|przelewu|zaplaty)",
        r"(?:we|i)(?:'ve| have| already)* paid",
        r"paid (?:it |this |that |them |the invoice |the bill )?already",
        r"(?:already|has been|have been|was|were) (?:paid|settled)",
        r"payment (?:was|has been|had been) (?:made|sent|completed|processed|executed)",
        r"(?:transfer|payment|remittance) (?:was |has been )?(?:sent|made|executed|initiated|wired) (?:on|yesterday|today|last)",
        r"proof of payment",
        r"remittance advice",
        r"payment confirmation",
        r"(?:we|i) (?:have )?(?:sent|made|wired|transferred|executed) (?:the |a )?(?:payment|transfer|money|funds)",
    ])
});

static PROMISE: LazyLock<Regex> = LazyLock::new(|| {
    re(&[
        r"zaplacimy",
        r"zaplace",
        r"oplacimy",
        r"oplace",
        r"uregulujemy",
        r"ureguluje",
        r"splacimy",
        r"wplacimy",
        r"przelejemy",
        r"przeleje",
        r"przelew (?:wyjdzie|pojdzie|zostanie wyslany|zostanie zlecony|zostanie wykonany|bedzie)",
        r"(?:wyslemy|zlecimy|zrobimy|wykonamy|puscimy|wysle|zlece|zrobie) (?:jutro |dzis |dzisiaj )?przelew",
        r"platnosc (?:nastapi|zostanie|bedzie|wyjdzie|pojdzie)",
        r"wplata (?:nastapi|bedzie|wplynie)",
        r"srodki (?:wplyna|beda|zostana)",
        r"(?:we|i) will pay",
        r"(?:we'll|i'll) pay",
        r"will be (?:paid|settled|transferred)",
        r"(?:we|i) (?:will|shall) (?:settle|transfer|make the payment|send the payment|process the payment|arrange the payment)",
        r"payment will be (?:made|sent|processed|executed)",
        r"(?:we are|we're|i am|i'm) going to pay",
        r"(?:we|i) (?:plan|intend|expect) to pay",
        r"zaplata w terminie",
        r"(?:faktura|faktury|naleznosc|kwota|zaleglosc) (?:zostanie|zostana|bedzie|beda) (?:oplacon|zaplacon|uregulowan|splacon|przelan)\w*",
        r"przekazan\w* do (?:ksiegowosci|zaplaty|realizacji|dzialu finansow)\w*",
        r"(?:will|shall) (?:process|release|schedule) (?:it|this|the invoice|the payment)",
        r"(?:next|our) payment run",
        r"zostan(?:ie|a) (?:oplacon|zaplacon|uregulowan|przelan)\w*",
        r"(?:najblizsz|kolejn|nastepn)\w* (?:cykl|przebieg|tur|paczc|paczk)\w* (?:platnosci|przelewow)",
    ])
});

/// "Płatność w piątek", "payment on Friday": a word of paying with a date in the same sentence.
static PAYING_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(&[
        r"platnosc",
        r"zaplata",
        r"przelew",
        r"wplata",
        r"payment",
        r"transfer",
    ])
});

static ASKS_INVOICE: LazyLock<Regex> = LazyLock::new(|| {
    re(&[
        r"(?:kopi[aei]+|duplikat\w*|odpis\w*|skan\w*|pdf) (?:tej |tych |tejze )?faktur\w*",
        r"(?:przeslac|przeslanie|przeslijcie|przeslij|wyslac|wyslanie|wyslijcie|dosylac|doslanie|doslac|dosłac) (?:ponownie |jeszcze raz )?(?:nam |mi )?(?:te |tej |tych )?faktur\w*",
        r"(?:prosimy|prosze) o (?:ta |te |tej )?fakture",
        r"nie (?:otrzymal|dostal|widzimy|mamy|znalezl)\w* (?:jeszcze )?(?:tej |zadnej |tych |tez )?faktur\w*",
        r"brak (?:tej )?faktury",
        r"gdzie (?:jest |znajde |znajdziemy )?(?:ta )?faktur\w*",
        r"faktur\w* (?:nie dotarl|nie doszl)\w*",
        r"(?:send|resend|re-send|forward)\w* (?:us |me )?(?:again )?(?:the |a |this |that )?(?:copy of (?:the )?)?invoice",
        r"cop(?:y|ies) of (?:the |this |that )?invoice",
        r"invoice copy",
        r"(?:have not|haven't|did not|didn't|never) (?:yet )?receive[d]? (?:the |an |any |this |that )?invoice",
        r"(?:where is|missing) (?:the )?invoice",
        r"(?:can't|cannot|could not|couldn't) find (?:the |this |that )?invoice",
    ])
});

static ASKS_STATEMENT: LazyLock<Regex> = LazyLock::new(|| {
    re(&[
        r"saldo\w*",
        r"potwierdzeni\w* sald\w*",
        r"zestawieni\w* (?:naleznosci|faktur|platnosci|rozrachunk|rozliczen|otwartych)\w*",
        r"stan (?:rozliczen|rozrachunkow|konta|zadluzenia|naleznosci)",
        r"(?:lista|liste|wykaz) (?:otwartych|niezaplaconych|zaleglych|nierozliczonych)\w*",
        r"ile (?:jeszcze )?(?:jestesmy|jestem) (?:winni|winien|winna)",
        r"ile (?:jeszcze )?(?:mamy|mam) do (?:zaplaty|zaplacenia|splaty)",
        r"jakie faktury (?:sa )?(?:niezaplacone|otwarte|zalegle|nierozliczone)",
        r"rozrachunk\w*",
        r"statement of (?:the )?account",
        r"statement of (?:our|my) account",
        r"account statement",
        r"(?:outstanding|open|current) balance",
        r"balance confirmation",
        r"open items",
        r"(?:what|how much) (?:do )?(?:we|i) (?:still )?owe",
        r"list of (?:open|unpaid|outstanding) invoices",
    ])
});

static OUT_OF_OFFICE: LazyLock<Regex> = LazyLock::new(|| {
    re(&[
        r"(?:jestem|przebywam) na urlopie",
        r"poza biurem",
        r"nieobecn\w*",
        r"out of (?:the )?office",
        r"(?:i am|i'm) (?:currently )?(?:away|on leave|on holiday|on vacation)",
        r"automatyczna odpowiedz",
        r"auto-?reply",
        r"ograniczony dostep do poczty",
        r"limited access to (?:my )?e-?mail",
    ])
});

/// A sentence that is only a word of payment: "Opłacone.", "Zapłacone!", "Paid already."
/// Alone, such a word is the client's answer to the reminder; inside a sentence it may be a
/// question or a condition, which the patterns of [`PAID`] tell apart.
const PAID_ALONE: &[&str] = &[
    "oplacone",
    "oplacona",
    "oplacono",
    "zaplacone",
    "zaplacona",
    "zaplacono",
    "uregulowane",
    "uregulowana",
    "juz oplacone",
    "juz zaplacone",
    "oplacone juz",
    "zaplacone juz",
    "paid",
    "already paid",
    "paid already",
];

const NEGATIONS: &[&str] = &["nie", "not", "never", "nigdy", "no", "ani", "nor"];

/// Whether the clause before `start` (its last three words) negates what follows.
fn negated(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let clause_start = before
        .rfind([',', ';', ':', '.', '!', '?', '\n', '(', '-'])
        .map(|i| i + 1)
        .unwrap_or(0);
    let clause = &before[clause_start..];
    let words: Vec<&str> = clause
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    // A connective starts a new clause: "zapłaciliśmy, ale nie wszystko" is a claim of payment.
    let cut = words
        .iter()
        .rposition(|w| ["ale", "bo", "lecz", "but", "because", "ponadto"].contains(w))
        .map(|k| k + 1)
        .unwrap_or(0);
    words[cut..]
        .iter()
        .rev()
        .take(3)
        .any(|w| NEGATIONS.contains(w) || w.ends_with("n't"))
}

/// The text folded (lower case, no diacritics) with, for each folded byte, the char index in the
/// original: folding is one char to one char, so a match maps back to the client's own words.
struct Folded {
    text: String,
    original: Vec<char>,
    char_at: Vec<usize>,
}

impl Folded {
    fn new(s: &str) -> Folded {
        let original: Vec<char> = s.chars().collect();
        let mut text = String::with_capacity(s.len());
        let mut char_at = Vec::with_capacity(s.len());
        for (k, c) in original.iter().enumerate() {
            let folded = crate::domain::text::fold_diacritics(&c.to_string())
                .chars()
                .next()
                .unwrap_or(*c);
            let lower = folded.to_lowercase().next().unwrap_or(folded);
            let lower = match lower {
                '’' | '`' | '´' => '\'',
                '\u{a0}' => ' ',
                other => other,
            };
            for _ in 0..lower.len_utf8() {
                char_at.push(k);
            }
            text.push(lower);
        }
        char_at.push(original.len());
        Folded {
            text,
            original,
            char_at,
        }
    }

    /// The sentence around byte `pos` of the folded text, in the original's words.
    fn sentence(&self, pos: usize) -> (usize, usize, String) {
        let t = &self.text;
        let boundary = |c: char| matches!(c, '\n' | '!' | '?' | ';');
        let mut start = t[..pos].rfind(boundary).map(|i| i + 1).unwrap_or(0);
        // A full stop followed by a space ends a sentence (not the one in "15.12" or "fakt.").
        if let Some(i) = t[start..pos].rfind(". ") {
            start = start + i + 2;
        }
        let mut end = t[pos..].find(boundary).map(|i| pos + i).unwrap_or(t.len());
        if let Some(i) = t[pos..end].find(". ") {
            end = pos + i + 1;
        }
        let (a, b) = (self.char_at[start], self.char_at[end]);
        let s: String = self.original[a..b].iter().collect();
        (start, end, crate::domain::text::shorten(s.trim(), 200))
    }
}

/// Reads a reply. `confirmation` names an attached transfer confirmation, when there is one.
pub fn read(text: &str, confirmation: Option<&str>, today: NaiveDate) -> Reading {
    let f = Folded::new(text);
    let t = &f.text;
    let mut found: Vec<Found> = Vec::new();
    fn add(found: &mut Vec<Found>, intent: Intent, phrase: String) {
        if !found.iter().any(|x| x.intent == intent) {
            found.push(Found { intent, phrase });
        }
    }
    let first = |r: &Regex| -> Option<usize> {
        r.find_iter(t)
            .find(|m| !negated(t, m.start()))
            .map(|m| m.start())
    };
    if let Some(p) = first(&INSOLVENCY) {
        add(&mut found, Intent::Insolvency, f.sentence(p).2);
    }
    if let Some(p) = first(&DISPUTE) {
        add(&mut found, Intent::Dispute, f.sentence(p).2);
    }
    // "Czy faktura jest już opłacona?" asks; it does not say.
    let asked = |pos: usize| t[f.sentence(pos).1..].starts_with('?');
    if let Some(m) = PAID
        .find_iter(t)
        .find(|m| !negated(t, m.start()) && !asked(m.start()))
    {
        add(&mut found, Intent::AlreadyPaid, f.sentence(m.start()).2);
    }
    if !found.iter().any(|x| x.intent == Intent::AlreadyPaid) {
        let mut at = 0;
        for piece in t.split_inclusive(['.', '!', '?', '\n']) {
            let words = piece.trim_matches(|c: char| !c.is_alphanumeric());
            if PAID_ALONE.contains(&words) {
                let lead = piece.len() - piece.trim_start().len();
                add(&mut found, Intent::AlreadyPaid, f.sentence(at + lead).2);
                break;
            }
            at += piece.len();
        }
    }
    if let Some(name) = confirmation {
        add(&mut found, Intent::AlreadyPaid, format!("[{name}]"));
    }
    // A promise: its phrase, or a word of paying with a date in the same sentence; the date is
    // the latest plausible one named in that sentence.
    let mut promised: Option<NaiveDate> = None;
    let mut promise_at: Option<usize> = None;
    let mut refusal_at: Option<usize> = None;
    for m in PROMISE.find_iter(t) {
        if negated(t, m.start()) {
            refusal_at.get_or_insert(m.start());
            continue;
        }
        promise_at.get_or_insert(m.start());
        let (s, e, _) = f.sentence(m.start());
        let best = when::dates(&t[s..e], today)
            .into_iter()
            .map(|(_, d)| d)
            .filter(|d| when::plausible(*d, today))
            .max();
        promised = promised.max(best);
    }
    if promise_at.is_none() && !found.iter().any(|x| x.intent == Intent::AlreadyPaid) {
        for m in PAYING_WORD.find_iter(t) {
            if negated(t, m.start()) {
                continue;
            }
            let (s, e, _) = f.sentence(m.start());
            let best = when::dates(&t[s..e], today)
                .into_iter()
                .map(|(_, d)| d)
                .filter(|d| when::plausible(*d, today))
                .max();
            if best.is_some() {
                promise_at = Some(m.start());
                promised = best;
                break;
            }
        }
    }
    if let Some(p) = promise_at {
        add(&mut found, Intent::Promise, f.sentence(p).2);
    } else if let Some(p) = refusal_at {
        // "Nie zapłacimy tej faktury": a refusal, which a person must answer.
        add(&mut found, Intent::Dispute, f.sentence(p).2);
    }
    // "Prosimy o fakturę korygującą" asks for a correction (a dispute), not for a copy.
    let asks_invoice = ASKS_INVOICE
        .find_iter(t)
        .find(|m| !negated(t, m.start()) && !t[m.end()..].trim_start().starts_with("koryg"))
        .map(|m| m.start());
    if let Some(p) = asks_invoice {
        add(&mut found, Intent::AsksInvoice, f.sentence(p).2);
    }
    if let Some(p) = first(&ASKS_STATEMENT) {
        add(&mut found, Intent::AsksStatement, f.sentence(p).2);
    }
    found.sort_by_key(|x| x.intent);
    let out_of_office = OUT_OF_OFFICE.is_match(t);
    Reading {
        found,
        promised: promised.filter(|_| promise_at.is_some()),
        out_of_office,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for r in [
            &INSOLVENCY,
            &DISPUTE,
            &PAID,
            &PROMISE,
            &PAYING_WORD,
            &ASKS_INVOICE,
            &ASKS_STATEMENT,
            &OUT_OF_OFFICE,
        ] {
            assert!(!r.is_match("zzzz"));
        }
    }

    #[test]
    fn the_phrase_is_the_clients_own_sentence() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let r = read(
            "Dzień dobry. Reklamujemy fakturę FV/12/2026 – towar nie dotarł. Pozdrawiam",
            None,
            today,
        );
        assert_eq!(r.primary(), Intent::Dispute);
        assert_eq!(
            r.phrase(Intent::Dispute),
            Some("Reklamujemy fakturę FV/12/2026 – towar nie dotarł.")
        );
    }
}
