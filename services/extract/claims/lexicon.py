"""The cue lexicon: every word that can mark an attribution.

- the speech verbs of the quote pass (``CUE_RE``, quotes.py), with the verbs that need
  "that" before an indirect content (``_NEEDS_THAT``);
- the broad pass's lemmas by what follows them (clause, infinitive, object, raising,
  phrasal), their particles and inflections (``_LEXICON``, broad.py);
- the nominal cues ("his claim that C", broad_forms.py);
- ``_CUE_WORDS``: all of them, so that a sentence without any is skipped early.

A new cue word goes here, in the list of its kind; then re-run ``newswire eval attribution``.
"""

from __future__ import annotations

import re

# Verb forms that report speech or thought. Lower-case only: "States" is not a cue.
_SPEECH = (
    "say|says|said|saying|tell|tells|told|telling|add|adds|added|adding|write|writes|wrote|"
    "writing|tweet|tweets|tweeted|tweeting|claim|claims|claimed|claiming|argue|argues|argued|"
    "arguing|note|notes|noted|noting|explain|explains|explained|explaining|insist|insists|"
    "insisted|insisting|warn|warns|warned|warning|announce|announces|announced|announcing|"
    "stated|declared|declares|believe|believes|believed|think|thinks|recall|recalls|recalled|"
    "acknowledge|acknowledges|acknowledged|acknowledging|admit|admits|admitted|admitting|"
    "suggest|suggests|suggested|suggesting|report|reports|reported|reporting|replied|replies|"
    "responded|responds|countered|counters|predicted|predicts|predict|promised|promises|pledged|"
    "pledges|vowed|vows|vowing|urged|urges|contend|contends|contended|maintain|maintains|"
    "maintained|conceded|concedes|confirmed|confirms|denied|denies|estimated|estimates|"
    "observed|emphasized|emphasizes|stressed|stresses|complained|complains|joked|jokes|quipped|"
    "testified|testifies|asked|asks|continued|continues|agreed|agrees|posted|wrote|"
    "found|finds|show|shows|showed|revealed|reveals|concluded|concludes|indicated|indicates|"
    "pointed out|points out|added that|predicting|asserted|asserts|alleged|alleges|"
    "hopes|hoped|fears|feared|worries|worried|expects|expected|knows|knew|felt|feels|"
    "explains|demanded|demands|mused|boasted|boasts|lamented|laments|conceded|shouted|yelled|"
    "fumed|scoffed|snapped|retorted|remarked|exclaimed|cautioned|pleaded|answered|interjected|"
    "griped|grumbled|gushed|marveled|thundered|recounted"
)
# Verbs that need "that" before their content when used indirectly (too ambiguous alone).
_NEEDS_THAT = frozenset(
    "found finds show shows showed revealed reveals concluded concludes indicated indicates "
    "announce announces announced announcing confirmed confirms report reports reported "
    "reporting warned warn warns warning stated declared declares estimated estimates "
    "observed emphasized emphasizes stressed stresses hopes hoped fears feared worries worried "
    "expects expected knows knew felt feels asked asks continued continues agreed agrees "
    "posted denied denies demanded demands recall recalls recalled".split()
)
_AUX = (
    r"(?:(?:has|have|had|is|are|was|were|will|would|could|might|may|did|does|do)\s+"
    r"(?:not\s+)?(?:been\s+)?)?"
)
_ADV = (
    r"(?:(?:also|later|then|previously|repeatedly|often|once|again|recently|publicly|privately|"
    r"reportedly|frequently|quickly|simply|just|even|flatly|further|has)\s+)?"
)
CUE_RE = re.compile(rf"\b{_AUX}{_ADV}(?P<verb>{_SPEECH})\b")
_ACCORDING = re.compile(r"\b[Aa]ccording to\b")


# Lemmas by what follows them. CLAUSE: a reported clause ("that ..." or bare). INF: "to VP"
# (intentions). OBJ: an object noun phrase (evaluations, stances, evidence). Left out after
# measuring on PolNeAR train (under a third of their predictions were attributions): work,
# need, vote, move, fail, struggle, attempt, intend, try, raise, debate, rate, contest,
# challenge, target, address, detail, like, issue, release, order, request, publish,
# maintain, hear, understand, figure, state, read.
_CLAUSE_LEMMAS = """say tell add write tweet claim argue note explain insist warn announce declare
believe think recall acknowledge admit suggest report reply respond counter predict contend
concede confirm deny estimate observe emphasize stress complain joke quip testify ask
agree post find show reveal conclude indicate assert allege fear worry know feel demand
muse boast lament shout yell mention reiterate remind assure echo speculate realize hint
imply signal insinuate guess suspect doubt wonder caution charge disclose inform notify
learn recognize proclaim swear vow pledge promise hope expect assume suppose imagine
determine decide emphasise recognise reckon see forecast project""".split()
_INF_LEMMAS = """want plan hope seek refuse threaten promise vow pledge decide expect aim offer
agree decline ask urge prefer push wish aspire strive rush hesitate scramble""".split()
_OBJ_LEMMAS = """criticize praise support endorse accuse blame reject defend attack question oppose
describe dismiss slam blast back mock condemn denounce decry tout highlight cite welcome
applaud thank ignore favor embrace propose discuss call hail laud champion trumpet
rebuke chide scold lambaste pillory assail berate castigate ridicule deride promote push
advocate recommend approve disapprove dispute doubt distrust characterize portray label
brand dub deem consider regard view rank list identify acknowledge credit fault hammer
bash knock pan trash skewer threaten criticise characterise favour prefer mention
reference invoke echo repeat reiterate justify explain excuse downplay minimize
celebrate congratulate mourn lament regret bemoan emphasize stress underscore outline
unveil demand insist""".split()
# Raising verbs: "X seemed to C" attributes C about X to an unnamed judge.
_RAISE_LEMMAS = "seem appear".split()
# Verbs that are cues only with their particle ("pointed to", "talked about").
_PHRASAL_LEMMAS = """refer point talk speak focus weigh lash come sign reach single lay spell rule
take open stand rail allude object lobby fight brag vote""".split()
# Phrasal cues: verb + particle forms one cue ("called for", "pointed to").
_PARTICLES = {
    "call": ("for", "on"), "point": ("to", "out"), "refer": ("to",), "talk": ("about",),
    "speak": ("about", "of", "out"), "push": ("for",), "argue": ("for", "against"),
    "lash": ("out",), "weigh": ("in",), "come": ("out",), "sign": ("on",),
    "warn": ("of", "against", "about"), "complain": ("about", "of"), "worry": ("about",),
    "boast": ("about", "of"), "brag": ("about",), "joke": ("about",), "rail": ("against",),
    "fight": ("for", "against"), "lobby": ("for", "against"), "vote": ("for", "against"),
    "hint": ("at",), "allude": ("to",), "object": ("to",), "reach": ("out",), "single": ("out",),
    "lay": ("out",), "spell": ("out",), "rule": ("out",), "back": ("away",), "take": ("aim",),
    "focus": ("on",),
    "open": ("up",), "stand": ("by",), "think": ("about", "of"),
}
_IRREGULAR = {
    "say": ("says", "said", "saying"), "tell": ("tells", "told", "telling"),
    "write": ("writes", "wrote", "written", "writing"), "think": ("thinks", "thought", "thinking"),
    "know": ("knows", "knew", "known", "knowing"), "feel": ("feels", "felt", "feeling"),
    "find": ("finds", "found", "finding"), "show": ("shows", "showed", "shown", "showing"),
    "see": ("sees", "saw", "seen", "seeing"), "seek": ("seeks", "sought", "seeking"),
    "speak": ("speaks", "spoke", "spoken", "speaking"), "hear": ("hears", "heard", "hearing"),
    "read": ("reads", "reading"), "swear": ("swears", "swore", "sworn", "swearing"),
    "forecast": ("forecasts", "forecasting"), "fight": ("fights", "fought", "fighting"),
    "lay": ("lays", "laid", "laying"), "take": ("takes", "took", "taken", "taking"),
    "come": ("comes", "came", "coming"), "stand": ("stands", "stood", "standing"),
    "understand": ("understands", "understood", "understanding"), "lie": ("lies", "lied", "lying"),
    "mean": ("means", "meant", "meaning"), "issue": ("issues", "issued", "issuing"),
}
_DOUBLE = frozenset(
    "admit regret commit submit refer prefer omit rebut plan stop chat quip dub bet vet rap slam "
    "ban".split()
)


def _forms(lemma: str) -> tuple[str, ...]:
    """Inflections of a regular English verb (irregulars listed above)."""
    if lemma in _IRREGULAR:
        return (lemma,) + _IRREGULAR[lemma]
    if lemma in _DOUBLE:
        d = lemma + lemma[-1]
        return (lemma, lemma + "s", d + "ed", d + "ing")
    if lemma.endswith("e"):
        return (lemma, lemma + "s", lemma + "d", lemma[:-1] + "ing")
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        return (lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing")
    if lemma.endswith(("s", "sh", "ch", "x", "z")):
        return (lemma, lemma + "es", lemma + "ed", lemma + "ing")
    return (lemma, lemma + "s", lemma + "ed", lemma + "ing")


def _build_lexicon() -> dict[str, tuple[str, str]]:
    """word form → (lemma, kind); a lemma in several lists keeps the first kind."""
    lex: dict[str, tuple[str, str]] = {}
    kinds = (("clause", _CLAUSE_LEMMAS), ("inf", _INF_LEMMAS), ("obj", _OBJ_LEMMAS),
             ("raise", _RAISE_LEMMAS), ("phrasal", _PHRASAL_LEMMAS))
    for kind, lemmas in kinds:
        for lemma in lemmas:
            for f in _forms(lemma):
                lex.setdefault(f, (lemma, kind))
    return lex


_LEXICON = _build_lexicon()
_WORD_RE = re.compile(r"(?<![\w’'\-])[a-z][a-z’'\-]*")  # lower-case words only: "States" is no cue


# Nominal cues with a possessor as source: "his claim that C", "Clinton’s decision to C",
# "their support for C".
_CUE_NOUNS = """claim claims assertion argument arguments belief beliefs view views suggestion
contention charge charges allegation allegations insistence promise promises pledge warning
warnings fear fears hope hopes concern concerns statement remarks remark comment comments
decision plan plans call calls criticism support opposition endorsement praise attack attacks
proposal proposals demand demands refusal vow threat threats complaint complaints accusation
accusations defense denial admission announcement prediction request idea desire intention
commitment bid push attempt position stance message pitch embrace rejection condemnation
dismissal characterization description portrayal answer response reply question questions
opinion assessment analysis conclusion findings recommendation appeal vision argument""".split()
_NOUN_SET = frozenset(_CUE_NOUNS)


# every single word of CUE_RE's verbs too, so that a unit without any can skip CUE_RE
_SPEECH_WORDS = frozenset(_SPEECH.replace("|", " ").split())
_CUE_WORDS = frozenset(_LEXICON) | _NOUN_SET | _SPEECH_WORDS
