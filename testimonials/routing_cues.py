"""The cue lists the routing reads text with, per language (see routing.py for how they are used).

Each list is (label, regular expression), matched case-insensitively. The kinds:

* ``complaints`` — a person is needed (support case): a promise not kept or a service absent
  (the coach did not show up, materials never arrived, questions unanswered, "still waiting"),
  a billing error, a refund, "waste of money", "didn't help".
* ``conditional`` — praise that names what was missing ("would have been perfect if…",
  "the only thing I didn't get…"): not a testimonial, not a support case either.
* ``lukewarm`` — faint praise ("meh", "expected more").
* ``ending`` — sadness that the program is over, or missing the group, the coach, the routine:
  from a graduate that is praise, and the words ("sad", "miss", "cried") must not read as a
  complaint.
* ``praise`` (other languages only; English has VADER) — used to say what the text reads as.

No maintained multilingual sentiment lexicon installs from the package index without a model
download, so the Spanish, Portuguese, French and German lists are hand-written and small: they
cover the kinds above, not the whole language. What they miss, the score decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FLAGS = re.IGNORECASE

# --- English --------------------------------------------------------------------------------

_NOT = r"(?:n't|n’t|\snot)"
_PERSON = r"(?:coach|coaches|mentor|instructor|teacher|trainer|tutor|host|facilitator|therapist|he|she|they)"
#: What a student is owed and can be left without.
_OWED = (
    r"(?:workbook|book|materials?|worksheets?|recordings?|replays?|certificate|access|login|password|links?|"
    r"bonus(?:es)?|kit|box|package|parcel|invoice|receipt|refund|money|slides|notes|transcripts?|modules?|"
    r"videos?|lessons?|feedback|review|calls?|sessions?|answers?|reply|response|group|community|summary|pdf|"
    r"templates?|downloads?|materials|homework|questions?|emails?|messages?|tickets?|requests?|appointments?)"
)
_SENT = r"(?:arrived|arrive|came|come|delivered|sent|shipped|uploaded|posted|set up|provided|offered|given|fixed|"
_SENT += r"resolved|returned|refunded|processed|happen(?:ed)?|materiali[sz]ed|answered|replied|rescheduled)"

EN_COMPLAINTS: tuple[tuple[str, str], ...] = (
    ("waste of money/time", r"\bwaste of (?:my |our )?(?:money|time|effort)\b"),
    ("not worth it", r"\bnot (?:really |even )?worth (?:it|the (?:money|price|cost|time|effort))\b"),
    ("refund", r"\b(?:refund|money back)\b"),
    (
        "didn't help / made no difference",
        r"\b(?:did|does|do)(?:n't| not) (?:really )?help\b|"
        r"\b(?:it|this|that|nothing)(?: just)? (?:did|does)(?:n't| not) work\b|"
        r"\bnothing (?:really |much )?changed\b|\bmade (?:no|little) (?:real )?difference\b|"
        r"\bdid(?:n't| not) (?:really )?(?:do|change) (?:much|anything)\b|\bnot what (?:i|we) needed\b|"
        r"\bnot (?:really )?for (?:me|us)\b|\bdid(?:n't| not) fit (?:us|me|our|my)\b",
    ),
    ("would not recommend", r"\b(?:would|will|could|do|does|can)" + _NOT + r" recommend\b|\bdo not buy\b"),
    ("useless", r"\buseless\b"),
    ("scam / rip-off", r"\b(?:scam|rip[- ]?off|ripped off)\b"),
    (
        "nobody showed up",
        rf"\b{_PERSON}\b[^.!?\n]{{0,40}}?\b(?:never|didn't|did not|failed to|stopped|wouldn't|would not)\s+"
        r"(?:even\s+)?(?:show(?:ed|ing)?|turn(?:ed|ing)?|join(?:ed|ing)?|attend(?:ed|ing)?|come|came|coming|"
        r"appear(?:ed|ing)?|call(?:ed|ing)?)\b|\bno[- ]shows?\b|\bstood (?:me|us) up\b|\bghosted\b|"
        rf"\b{_PERSON}\b[^.!?\n]{{0,30}}?\b(?:disappeared|vanished|went (?:silent|quiet|missing|awol))\b|"
        r"\bresched\w+ (?:\w+ )?(?:two|three|four|five|several|many|multiple|\d+) times\b|"
        r"\b(?:missed|cancell?ed|skipped)\s+(?:\w+\s+){0,3}?(?:calls?|sessions?|appointments?|meetings?)\b|"
        r"\b(?:just|simply) (?:didn't|did not|never) (?:show|join|come|turn up|call|log on)\b|"
        r"\bstopped (?:answering|replying|responding|showing up|turning up|coming|calling|getting back)\b",
    ),
    (
        "no answer",
        r"\bnever (?:answered|replied|responded|got back|called (?:me |us )?back|followed up|heard (?:back|anything))\b|"  # noqa: E501 - one cue per line reads better than a split regex
        r"\b(?:no ?(?:one|body)) (?:has |had |ever )*(?:answered|replied|responded|got back|called|fixed|helped|told)\b|"  # noqa: E501 - one cue per line reads better than a split regex
        r"\b(?:no|zero|without (?:a|any)) (?:replies|reply|response|responses|answers?)\b|"
        r"\b(?:questions?|emails?|messages?|tickets?|requests?)\b[^.!?\n]{0,40}?\b(?:unanswered|ignored|sat there)\b|"
        r"\bignored (?:my|our|me|us)\b|\bhaven't heard (?:back|anything)\b|"
        r"\bno (?:updates?|news|word|follow[- ]?up|call ?back)\b|\bstill open\b|"
        rf"\bnever (?:got|received|had) (?:my|our|any|an?|the) (?:\w+ ){{0,2}}?{_OWED}\b",
    ),
    (
        "still waiting / never arrived",
        r"\b(?:still|keep|kept|been|left) waiting\b|\bwaited (?:for )?(?:weeks|months|days|\d+)\b|"
        r"\bstill (?:haven't|have not|hasn't|has not) (?:\w+ )?(?:received|got|gotten|heard|seen|had|been)\b|"
        r"\bstill (?:don't|do not) have\b|\bstill no (?:answer|reply|response|word|sign|access|refund)\b|"
        r"\bstill (?:missing|locked out|unable to|can't|cannot)\b|"
        rf"\b(?:never|hasn't|has not|haven't|have not|was never|were never|weren't|wasn't) (?:\w+ )?{_SENT}\b|"
        rf"\bdid(?:n't| not) (?:\w+ )?(?:arrive|come|happen|get (?:sent|fixed|answered))\b|"
        rf"\b{_OWED}\b[^.!?\n]{{0,30}}?\b(?:is|are|was|were) (?:still )?(?:missing|broken|dead|gone|unavailable)\b|"
        rf"\b{_OWED}\b[^.!?\n]{{0,30}}?\b(?:disappeared|vanished|stopped working)\b|"
        r"\b(?:broken|dead) links?\b|\bmissing (?:materials|modules|videos|lessons|pages|worksheets|content|files)\b|"
        r"\b(?:couldn't|could not|can't|cannot|unable to) (?:access|log ?in|open|download)\b|"
        r"\blost access\b|\blocked out\b|\bnowhere to be (?:seen|found)\b|\bno (?:sign|trace) of\b|"
        r"\b(?:account|access|login)\b[^.!?\n]{0,20}?\b(?:was|got|has been|were) (?:closed|removed|revoked|"
        r"cancell?ed|deleted|cut off|shut)\b",
    ),
    (
        "billing error",
        r"\bdouble[- ]?(?:charged|billed)\b|\b(?:charged|billed) (?:me |us )?(?:twice|two times|double|again|extra|"
        r"the full price|full price|after|even though|without|for (?:something|a month))\b|\bovercharged\b|"
        r"\bwrong (?:amount|price|charge|invoice|bill|plan|country|address|item)\b|"
        r"\b(?:charged|billed)\b[^.!?\n]{0,40}?\b(?:when|though|although|but) (?:i|we) (?:had )?(?:picked|chose|selected|"  # noqa: E501 - one cue per line reads better than a split regex
        r"cancell?ed|asked)\b|\bkept (?:taking|charging|billing)\b|\bunauthori[sz]ed (?:charge|payment)\b|"
        r"\b(?:card|account|payment)\b[^.!?\n]{0,20}?\b(?:charged|hit|debited|billed|taken)\b[^.!?\n]{0,10}?"
        r"\b(?:twice|two|three|four|several|multiple|\d+) times\b",
    ),
    (
        "a promise not kept",
        r"\b(?:promised|advertised|guaranteed|supposed to|were told|was told|said (?:there would|we'd|we would|"
        r"i'd|i would|they'd|they would|it would))\b[^.!?\n]{0,80}?\b(?:but|never|didn't|did not|wasn't|weren't|"
        r"not|only|once|twice|instead)\b|\bnot what (?:\w+ ){0,2}?(?:promised|advertised|sold|described)\b|"
        r"\b(?:it|that|this) never happened\b",
    ),
    (
        "complaint about support",
        r"\b(?:support|customer service|help ?desk|coach|coaches|staff|team)\b"
        r"[^.!?\n]{0,30}?(?<!not )(?<!never )\b(?:rude|awful|terrible|horrible|unhelpful|dismissive|non-?existent)\b",
    ),
    ("wants to cancel", r"\bcancel (?:my |the )?(?:subscription|membership|enrol?lment|account|order)\b"),
    (
        "sarcasm",
        r"\bthanks for nothing\b|\b(?:great|wonderful|fantastic|perfect|brilliant|awesome|just what i needed)"
        r"\s*[,!.…]+\s*(?:yet )?another\b",
    ),
)

EN_CONDITIONAL: tuple[tuple[str, str], ...] = (
    (
        "would have been better if",
        r"\bwould(?:'ve| have)? (?:been|be)\b[^.!?\n]{0,30}?\b(?:if|with|had|except)\b|"
        r"\b(?:i'd|i would|would)(?:'ve| have)? (?:have )?(?:given|give)\b[^.!?\n]{0,30}?\bif\b|"
        r"\bwould(?:'ve| have)? made it\b|\b(?:a )?(?:10|ten|five stars?|full marks) if\b|"
        r"\bwould(?:'ve| have) been (?:nice|good|great|helpful|useful|better)\b",
    ),
    (
        "the only thing missing",
        r"\bthe only (?:thing|part|bit)s? (?:i|we) (?:didn't|did not|missed|would|'d|wish)\b|"
        r"\b(?:my |the |one )?only (?:complaint|gripe|criticism|downside|drawback|negative|issue|con|wish)\b|"
        r"\bone thing (?:that was )?(?:missing|lacking|i missed|i'd change|i would change)\b",
    ),
    ("wish there had been", r"\bi (?:just |only |really )?wish(?:ed)? (?:there|it|they|we|the|you|i|she|he)\b"),
    ("if only", r"\bif only\b"),
    (
        "a request for next time",
        r"\bnext time,? (?:please |maybe |could you |i'd )?(?:add|include|make|have|give|offer|record|use|more|less)\b|"
        r"\b(?:please|could you|you could|you should|maybe) (?:add|include|offer|record|provide)\b|"
        r"\bmy (?:one |only |main )?suggestion\b|\b(?:i'd|i would) (?:just |only )?(?:want|like|prefer|ask for)\b|"
        r"\bit would be (?:ideal|perfect|nice|great|better|helpful)\b|\bcould be (?:\w+ )?better\b|"
        r"\b(?:i|we) (?:needed|wanted|could have used) more\b",
    ),
    (
        "felt thin",
        r"\b(?:felt|was|were|seemed|feel|feels) (?:a bit |a little |quite |rather |pretty )?(?:thin|weak|shallow|light|sparse|superficial)\b",  # noqa: E501 - one cue per line reads better than a split regex
    ),
    ("would have liked", r"\b(?:would|'d)(?:'ve| have)? (?:liked|loved|preferred)\b"),
    ("it lacked", r"\black(?:ed|ing|s)\b|\bfell short\b|\bcould (?:use|do with) (?:more|a|some|better)\b"),
)

EN_LUKEWARM: tuple[tuple[str, str], ...] = (
    ("meh", r"\bmeh\b"),
    ("so-so", r"\bso[- ]so\b"),
    ("expected more", r"\b(?:expected|hoped for) (?:more|better)\b|\bnothing (?:new|special)\b"),
    ("could be better", r"\bcould(?:'ve| have)? be(?:en)? better\b"),
    ("ok, I guess", r"\b(?:ok|okay|fine|alright|all right),? i (?:guess|suppose)\b"),
    ("disappointed", r"\bdisappoint(?:ed|ing)\b"),
    ("too expensive", r"\b(?:too|very|way too) expensive\b|\boverpriced\b"),
    ("boring", r"\bboring\b"),
    ("rushed or clunky", r"\b(?:rushed|clunky|repetitive|disorgani[sz]ed|outdated|buggy|filler)\b"),
)

_MISS_WHAT = r"(?:the|our|my|everyone|everybody|you|y'all|all|them|it|having|seeing|being|those|these|each|every)"
_OVER = r"(?:over|ended|ending|finished|done|gone|coming to an end|come to an end|no more)"
EN_ENDING: tuple[tuple[str, str], ...] = (
    ("will miss / missing them", rf"\b(?:miss|missing)\s+{_MISS_WHAT}(?:\s+[\w']+)?|\bi miss it\b"),
    (
        "sad it is over",
        r"\b(?:sad|sadness|sorry|bummed|gutted|heartbroken|devastated|upset|teary|nostalgic|bittersweet)\b"
        rf"[^.!?\n]{{0,40}}?\b(?:{_OVER}|end|the last|goodbye|see it end)\b|\bbittersweet\b|"
        rf"\b(?:don't|didn't|do not|did not) want (?:it|this|the \w+) to (?:end|be {_OVER})\b",
    ),
    (
        "wish it had lasted",
        r"\bwish (?:it|this|they|the \w+) (?:had |could (?:have )?|would )?(?:lasted|last|gone on|go on|continued|"
        r"never ended|didn't end|been longer|was longer|were longer)\b",
    ),
    (
        "empty without it",
        r"\b(?:lost|empty|strange|weird|quiet)\b[^.!?\n]{0,30}?\b(?:without|now that|anymore|have stopped|is over)\b|"
        r"\b(?:cried|teared up|tears|hardest part)\b[^.!?\n]{0,40}?\b(?:goodbye|last|final|end)\b|"
        r"\b(?:goodbye|last|final) (?:call|session|day)\b[^.!?\n]{0,30}?\b(?:cried|tears|teary)\b",
    ),
)

# --- English: praise VADER misreads, and where a before/after story turns ----------------

#: (pattern, plain meaning) — praise that VADER scores as negative, rewritten before scoring.
POSITIVE_IDIOMS: tuple[tuple[str, str], ...] = (
    (r"\b(?:can't|cannot|can not|couldn't|could not) say (?:that )?i (?:didn't|did not) love\b", "loved"),
    (r"\b(?:can't|cannot|can not|couldn't|could not) say (?:that )?i (?:didn't|did not) (?:like|enjoy)\b", "liked"),
    (
        r"\b(?:couldn't|could not|can't|cannot) be (?:any )?(?:happier|more (?:grateful|thankful|pleased|satisfied))\b",
        "am very happy",
    ),
    (r"\b(?:can't|cannot|couldn't|could not) (?:recommend|praise) [\w' ]{1,40}? enough\b", "highly recommend it"),
    (r"\b(?:can't|cannot|couldn't|could not) thank [\w' ]{1,40}? enough\b", "thank you so much"),
    (r"\bnothing to complain about\b|\b(?:zero|no) (?:complaints|issues|problems|regrets)\b", "all good"),
    # Relief is praise: "my anxiety is so much lower" is not about anxiety.
    (
        r"\b(?:my|our|the|his|her|their)\s+(?:\w+\s+)?(?:anxiety|stress|fear|worr(?:y|ies)|tantrums?|fights?|"
        r"arguments?|pain|panic|guilt|anger|yelling|meltdowns?)\b[^.!?\n]{0,25}?\b(?:lower|less|down|gone|fewer|"
        r"reduced|disappeared|vanished|calmer|better)\b",
        "things are much better",
    ),
)

#: The start of a story's ending ("… Now we actually talk."): VADER judges the text from the
#: last match on, so a described "before" does not read as a complaint.
TURNING_POINT = (
    r"\b(?:now|nowadays|today|these days|since then|ever since|in the end|ended up|turned out|finally|"
    r"(?:and|but) (?:left|came out|walked away|finished) with|by the end|"
    r"after (?:the|this|your|a few|some) (?:course|program|programme|coaching|sessions?|class(?:es)?|training|"
    r"workshop|weeks?|months?)|thanks to|"
    r"(?:this|the|your) (?:course|program|programme|coaching|training|workshop) (?:gave|helped|taught|changed|"
    r"showed|made|has))\b"
)


# --- Other languages: small, hand-written ---------------------------------------------------

ES = {
    "complaints": (
        ("pérdida de tiempo/dinero", r"\bp[ée]rdida de (?:tiempo|dinero)\b|\btirar el dinero\b"),
        ("reembolso", r"\breembols\w*|\bdevoluci[óo]n\b|\bdevuelv\w+ (?:el|mi) dinero\b|\bdevuelven el dinero\b"),
        ("no lo recomiendo", r"\bno (?:lo |la )?recomiendo\b|\bestafa\b|\bfraude\b"),
        (
            "nunca apareció",
            r"\bnunca (?:apareci[óo]|se conect[óo]|lleg[óo]|vino|contest[óo]|respondi[óo]|me (?:llam[óo]|respondi[óo]"
            r"|contest[óo]))\b|\bno (?:apareci[óo]|se present[óo]|se conect[óo])\b|\bfalt[óo] a\b",
        ),
        (
            "sin respuesta",
            r"\bnadie (?:me |nos )?(?:contesta|responde|respondi[óo]|contest[óo]|ayud[óo])\w*|\bsin respuesta\b|"
            r"\bni una respuesta\b",
        ),
        (
            "todavía esperando",
            r"\b(?:todav[íi]a|a[úu]n) (?:estoy |sigo )?esperando\b|\bsigo esperando\b|\bnunca (?:recib[íi]|me lleg[óo])\b|"  # noqa: E501 - one cue per line reads better than a split regex
            r"\b(?:todav[íi]a|a[úu]n) no (?:me )?(?:ha llegado|han llegado|lleg[óo]|recib[íi]|tengo)\b",
        ),
        ("cobro erróneo", r"\bme cobraron (?:dos veces|de m[áa]s|doble)\b|\bcobro (?:doble|duplicado|err[óo]neo)\b"),
        ("prometieron pero", r"\bprometi\w+\b[^.!?\n]{0,60}?\b(?:pero|nunca|no)\b"),
        ("malo", r"\b(?:p[ée]simo|horrible|terrible|malísimo|una decepci[óo]n)\b"),
    ),
    "conditional": (
        ("habría sido perfecto si", r"\bhabr[íi]a sido\b|\bhubiera sido\b|\bhabr[íi]a (?:gustado|encantado)\b"),
        ("lo único que faltó", r"\blo [úu]nico que (?:falt[óo]|no)\b|\bfalt[óo] (?:m[áa]s|un|una)\b|\bojal[áa]\b"),
    ),
    "lukewarm": (("regular", r"\b(?:regular|nada especial|me esperaba m[áa]s|normalito)\b"),),
    "ending": (
        ("extrañaré", r"\bextra[ñn]\w+\b|\becho de menos\b|\bhe echado de menos\b"),
        ("qué pena que terminó", r"\b(?:pena|triste|l[áa]stima)\b[^.!?\n]{0,30}?\b(?:termin|acab)\w*"),
    ),
    "praise": (
        (
            "gracias / excelente",
            r"\b(?:gracias|excelente|incre[íi]ble|genial|me encant[óo]|recomendable|recomiendo|"
            r"muy buen[oa]|maravillos[oa]|me cambi[óo] la vida|aprend[íi])\w*",
        ),
    ),
}

PT = {
    "complaints": (
        ("perda de tempo/dinheiro", r"\bperda de (?:tempo|dinheiro)\b|\bn[ãa]o valeu\b|\bjoguei dinheiro fora\b"),
        ("reembolso", r"\breembols\w*|\bdevolu[çc][ãa]o\b|\bdinheiro de volta\b"),
        ("não recomendo", r"\bn[ãa]o recomendo\b|\bgolpe\b|\bfraude\b"),
        (
            "faltou / não apareceu",
            r"\b(?:faltou|faltaram) (?:a|à|às|em|nas?|aos?) (?:\w+ )?(?:encontros?|sess[õo]es|sess[ãa]o|aulas?|"
            r"chamadas?|reuni[õo]es)\b|\bnunca (?:apareceu|veio|respondeu|chegou|ligou)\b|\bn[ãa]o apareceu\b",
        ),
        (
            "sem resposta",
            r"\bningu[ée]m (?:me |nos )?(?:responde|respondeu|deu|ajudou|explicou)\w*|\bsem resposta\b|"
            r"\bo suporte n[ãa]o responde\b|\bn[ãa]o (?:me )?responde(?:m|u)?\b",
        ),
        (
            "ainda esperando",
            r"\bainda (?:estou |continuo )?(?:esperando|aguardando|[àa] espera)\b|\bat[ée] hoje n[ãa]o\b|"
            r"\bainda n[ãa]o (?:chegou|recebi|tenho)\b|\bnunca recebi\b",
        ),
        (
            "cobrança errada",
            r"\bcobrad[oa]s? (?:duas vezes|em dobro|a mais)\b|\bcobran[çc]a (?:dupla|errada|indevida)\b",
        ),
        ("prometido mas", r"\bpromet\w+\b[^.!?\n]{0,60}?\b(?:mas|nunca|n[ãa]o)\b|\bque foi prometido\b"),
        ("péssimo", r"\b(?:p[ée]ssim[oa]|horr[íi]vel|terr[íi]vel|uma decep[çc][ãa]o)\b"),
    ),
    "conditional": (
        ("teria sido perfeito se", r"\bteria sido\b|\bteria (?:gostado|adorado)\b|\bseria perfeito se\b"),
        ("só faltou", r"\bs[óo] faltou\b|\bfaltou (?:mais|um|uma)\b|\bo [úu]nico (?:ponto|problema|que faltou)\b"),
    ),
    "lukewarm": (("razoável", r"\b(?:razo[áa]vel|mais ou menos|nada de especial|esperava mais)\b"),),
    "ending": (
        ("saudades", r"\bsaudades?\b|\bsentir (?:muita )?falta\b|\bsinto (?:muita )?falta\b"),
        ("que pena que acabou", r"\b(?:pena|triste)\b[^.!?\n]{0,30}?\b(?:acab|termin)\w*"),
    ),
    "praise": (
        (
            "obrigado / incrível",
            r"\b(?:obrigad[oa]|incr[íi]vel|excelente|adorei|maravilh\w+|recomendo|"
            r"muito bom|mudou (?:a minha|minha) vida|mudou a forma)\w*",
        ),
    ),
}

FR = {
    "complaints": (
        ("perte de temps/d'argent", r"\bperte de (?:temps|d'argent)\b|\bargent jet[ée]\b"),
        ("remboursement", r"\brembours\w*"),
        ("je ne recommande pas", r"\bne (?:le |la )?recommande pas\b|\barnaque\b|\bescroquerie\b"),
        (
            "jamais venu",
            r"\bne s'est (?:jamais|pas) (?:pr[ée]sent[ée]e?|connect[ée]e?)\b|\bjamais (?:venu|venue|arriv[ée]e?)\b|"
            r"\bn'est (?:jamais|pas) venue?\b|\ba rat[ée] \w+ (?:s[ée]ances?|rendez-vous|appels?)\b",
        ),
        (
            "sans réponse",
            r"\bsans (?:r[ée]ponse|nouvelles?)\b|\baucune (?:nouvelle|r[ée]ponse|mise à jour)\b|\bpersonne ne (?:m'a |nous a |m')?(?:r[ée]pond|aid|rappel)\w*|\baucune r[ée]ponse\b",  # noqa: E501 - one cue per line reads better than a split regex
        ),
        (
            "toujours pas reçu",
            r"\bj'attends toujours\b|\btoujours (?:en attente|pas re[çc]u|rien re[çc]u)\b|"
            r"\bn'ai (?:toujours |jamais )(?:pas )?re[çc]u\b|\bjamais re[çc]u\b",
        ),
        (
            "erreur de facturation",
            r"\bfactur[ée]e?s? deux fois\b|\bpr[ée]lev[ée]e?s? deux fois\b|\bdouble pr[ée]l[èe]vement\b",
        ),
        ("promis mais", r"\bpromis\b[^.!?\n]{0,60}?\b(?:mais|jamais|pas)\b"),
        ("nul", r"\b(?:nul(?:le)?|horrible|catastrophique|une d[ée]ception)\b"),
    ),
    "conditional": (
        ("j'aurais aimé", r"\bj'aurais (?:aim[ée]|voulu|pr[ée]f[ée]r[ée])\b|\baurait [ée]t[ée]\b|\bsi seulement\b"),
        ("le seul bémol", r"\b(?:le )?seul (?:b[ée]mol|regret|point n[ée]gatif|d[ée]faut)\b|\bil manquait\b"),
    ),
    "lukewarm": (("bof", r"\bbof\b|\bsans plus\b|\bmoyen\b|\bj'attendais plus\b"),),
    "ending": (
        ("vous allez me manquer", r"\bme manque(?:nt|ront|ra)?\b|\bmanquer\b"),
        ("triste que ce soit fini", r"\btriste\b[^.!?\n]{0,30}?\b(?:fini|termin[ée]e?|la fin)\b"),
    ),
    "praise": (
        (
            "merci / formidable",
            r"\b(?:merci|formidable|g[ée]nial(?:e)?|excellent(?:e)?|super|top|bravo|recommande|"
            r"tr[èe]s utile|m'a (?:vraiment )?aid[ée]e?)\b",
        ),
    ),
}

DE = {
    "complaints": (
        ("Geldverschwendung", r"\b(?:geld|zeit)verschwendung\b|\bnicht wert\b"),
        ("Rückerstattung", r"\br[üu]ckerstatt\w*|\bgeld zur[üu]ck\b"),
        ("nicht empfehlenswert", r"\bnicht (?:zu )?empfehl\w*|\babzocke\b|\bbetrug\b"),
        (
            "nicht erschienen",
            r"\bnicht (?:erschienen|gekommen|aufgetaucht|wahrgenommen)\b|\bnie (?:erschienen|gekommen|aufgetaucht)\b|"
            r"\b(?:termine?|sitzungen?|calls?)\b[^.!?\n]{0,30}?\b(?:abgesagt|ausgefallen)\b",
        ),
        (
            "keine Antwort",
            r"\bunbeantwortet\b|\bkeine antwort\b|\bniemand (?:hat )?(?:\w+ ){0,3}?(?:geantwortet|reagiert|geholfen|"
            r"zur[üu]ckgerufen)\b",
        ),
        (
            "warte immer noch",
            r"\b(?:warte|warten) (?:immer )?noch\b|\bimmer noch nicht (?:angekommen|erhalten|bekommen|da)\b|"
            r"\bnie (?:angekommen|erhalten|bekommen)\b",
        ),
        ("doppelt abgebucht", r"\bdoppelt (?:abgebucht|berechnet|belastet)\b|\bfalsch (?:abgerechnet|berechnet)\b"),
        ("versprochen, aber", r"\bversprochen\w*\b[^.!?\n]{0,60}?\b(?:aber|nie|nicht|kein\w*)\b|\bversprochenen\b"),
        ("schlecht", r"\b(?:schrecklich|furchtbar|katastrophal|eine entt[äa]uschung)\b"),
    ),
    "conditional": (
        (
            "wäre perfekt gewesen, wenn",
            r"\bw[äa]ren?\b[^.!?\n]{0,30}?\bgewesen\b|\bh[äa]tte (?:ich )?mir\b[^.!?\n]{0,40}?\bgew[üu]nscht\b",
        ),
        ("nur … hätten", r"\bnur\b[^.!?\n]{0,40}?\bh[äa]tten?\b|\beinziger? (?:kritikpunkt|minuspunkt|nachteil)\b"),
    ),
    "lukewarm": (
        ("ganz okay", r"\b(?:ganz )?(?:okay|ok)\b[^.!?\n]{0,20}?\bnichts besonderes\b|\bmittelm[äa][ßs]ig\b"),
    ),
    "ending": (
        ("werde vermissen", r"\bvermiss\w*|\bfehl(?:en|t) mir\b"),
        ("schade, dass es vorbei ist", r"\b(?:schade|traurig)\b[^.!?\n]{0,30}?\b(?:vorbei|zu ende|aus)\b"),
    ),
    "praise": (
        (
            "danke / toll",
            r"\b(?:danke|vielen dank|toll\w*|super|gro[ßs]artig|sehr gut|hilfreich|empfehle|"
            r"wunderbar|klasse)\b",
        ),
    ),
}

#: Language code → cue lists. English is read with VADER plus its own lists.
OTHER_LANGUAGES = {"es": ES, "pt": PT, "fr": FR, "de": DE}

#: Cues that need no language: an angry face means the same everywhere.
ANY_COMPLAINTS: tuple[tuple[str, str], ...] = (("angry or thumbs-down emoji", r"[👎😡🤬😠💩]"),)
ANY_LUKEWARM: tuple[tuple[str, str], ...] = (("eye-roll emoji", r"🙄"),)

#: Whole answers that mean "nothing to add", in every language read.
NON_ANSWERS = frozenset(
    ["no", "nope", "none", "nothing", "n/a", "na", "no comment", "no comments", "nothing to add", "nothing else"]
    + ["nada", "ninguno", "nenhum", "não", "nao", "rien", "non", "nichts", "nein", "-"]
)


@dataclass(frozen=True)
class Cues:
    """One language's compiled lists (see the module docstring for the kinds)."""

    complaints: tuple[tuple[str, re.Pattern[str]], ...]
    conditional: tuple[tuple[str, re.Pattern[str]], ...]
    lukewarm: tuple[tuple[str, re.Pattern[str]], ...]
    ending: tuple[tuple[str, re.Pattern[str]], ...]
    praise: tuple[tuple[str, re.Pattern[str]], ...]


def _compile(pairs) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((label, re.compile(pattern, _FLAGS)) for label, pattern in pairs)


ENGLISH = Cues(
    complaints=_compile(EN_COMPLAINTS + ANY_COMPLAINTS),
    conditional=_compile(EN_CONDITIONAL),
    lukewarm=_compile(EN_LUKEWARM + ANY_LUKEWARM),
    ending=_compile(EN_ENDING),
    praise=(),
)
BY_LANGUAGE: dict[str, Cues] = {
    code: Cues(
        complaints=_compile(lists["complaints"] + ANY_COMPLAINTS),
        conditional=_compile(lists["conditional"]),
        lukewarm=_compile(lists["lukewarm"] + ANY_LUKEWARM),
        ending=_compile(lists["ending"]),
        praise=_compile(lists["praise"]),
    )
    for code, lists in OTHER_LANGUAGES.items()
}
BY_LANGUAGE["en"] = ENGLISH
#: Language-free cues only: for text in a language no list was written for.
ANY = Cues(complaints=_compile(ANY_COMPLAINTS), conditional=(), lukewarm=_compile(ANY_LUKEWARM), ending=(), praise=())


# --- Absent service, by composition ---------------------------------------------------------
# Phrase lists miss most wordings of "what I was owed did not come" ("the masterclass was never
# scheduled", "my voice messages went unheard"). The kind is a composition: something the program
# owes (a person, a session, a material, an answer, a charge) and a failure marker, in the same
# clause. Praise built the same way ("I never missed a session", "nothing was missing") is
# excluded first.

_SERVICE = {
    "en": r"\b(?:quiz(?:zes)?|hot seats?|planner|coach(?:es)?|mentors?|instructors?|teachers?|trainers?|tutors?|support|team|staff|help ?desk|"  # noqa: E501 - one cue per line reads better than a split regex
    r"videos?|modules?|lessons?|materials?|workbooks?|worksheets?|access|login|account|platform|app|receipts?|"
    r"invoices?|refunds?|payments?|charged|billed|bonus(?:es)?|masterclass(?:es)?|calls?|sessions?|appointments?|"
    r"messages?|emails?|questions?|requests?|tickets?|recordings?|replays?|certificates?|links?|pack(?:age)?|kit|"
    r"journal|feedback|follow[- ]?up|form|anyone|anybody|nobody|no one)\b",
    "es": r"\b(?:coach|mentora?|profesora?|acceso|plataforma|sesi[óo]n(?:es)?|llamadas?|correos?|mensajes?|"
    r"respuestas?|reembolso|materiales?|factura|certificado|v[íi]deos?|m[óo]dulos?|soporte|nadie)\b",
    "pt": r"\b(?:coach|mentora?|professora?|acesso|plataforma|sess[ãa]o|sess[õo]es|chamadas?|e-?mails?|mensagens?|"
    r"respostas?|reembolso|materia(?:l|is)|fatura|certificado|v[íi]deos?|m[óo]dulos?|suporte|ningu[ée]m|pedido)\b",
    "fr": r"\b(?:coach|mentor|format(?:eur|rice)|acc[èe]s|plateforme|s[ée]ances?|appels?|e-?mails?|messages?|"
    r"r[ée]ponses?|remboursement|mat[ée]riel|facture|certificat|vid[ée]os?|modules?|support|personne|dates?)\b",
    "de": r"\b(?:coach|mentor(?:in)?|trainer(?:in)?|zugang|plattform|sitzungen?|termine?|anrufe?|e-?mails?|"
    r"nachrichten?|antwort|r[üu]ckerstattung|unterlagen|rechnung|zertifikat|videos?|module?|support|niemand)\b",
}
_FAILURE = {
    "en": r"\b(?:never(?! (?:once |been |was |were )?(?:rude|late|unkind|pushy|dismissive|boring|bored|judg\w+|"
    r"disappoint\w*|felt|had to|let (?:me|us) down|failed|short|anything but))|not once|unanswered|unheard|ignored|missing|chasing|"  # noqa: E501 - one cue per line reads better than a split regex
    r"still (?:not|no|haven't|hasn't|have not|has not|waiting|chasing|missing|nothing)|"
    r"(?:didn't|did not|wasn't|weren't|hasn't|haven't|has not|have not|had not|hadn't) (?:\w+ )?"
    r"(?:arrive|arrived|come|show|join|work|unlock|load|reply|answer|respond|call|follow|get back|send|sent|happen|"
    r"scheduled|delivered|introduced|unlocked|received|been|open|given|offered|processed|fixed)|"
    r"(?:couldn't|could not|can't|cannot|unable to) (?:access|log|finish|open|download|reach|get)|"
    r"after (?:two|three|four|five|several|multiple|many|\d+) (?:requests|emails|tries|attempts|messages|reminders)|"
    r"not (?:a single|one) (?:\w+ ){1,3}(?:took place|happened|came|arrived|was held|was sent)|"
    r"without (?:any )?(?:reply|answer|notice|warning|explanation|response))\b",
    "es": r"\b(?:nunca|nadie|jam[áa]s|sin respuesta|todav[íi]a no|a[úu]n no|no (?:me )?(?:enviaron|lleg[óo]|"
    r"respond\w+|contest\w+|funcion\w+|apareci[óo]))\b",
    "pt": r"\b(?:nunca|ningu[ée]m|jamais|sem resposta|ainda n[ãa]o|at[ée] agora|at[ée] hoje|n[ãa]o (?:me )?"
    r"(?:enviaram|chegou|respond\w+|funcion\w+|apareceu))\b",
    "fr": r"\b(?:jamais|personne|sans r[ée]ponse|toujours pas|toujours aucune?|n'a pas|n'ont pas|annul[ée]e?s?)\b",
    "de": r"\b(?:nie|niemals|niemand|keine antwort|immer noch nicht|bis heute kein\w*|nicht (?:erhalten|bekommen|"
    r"gekommen|erschienen|funktioniert)|abgesagt)\b",
}
#: Praise shaped like a failure: checked first, and the clause is left alone when it matches.
_PRAISE_SHAPED = (
    r"\b(?:never|not once) (?:\w+ )?(?:missed|had to wait|felt (?:ignored|alone|lost)|disappointed|late|"
    r"hesitated|got bored|regretted)|\bnothing (?:was |is )?missing\b|\bnot (?:a single|one) (?!(?:\w+ ){1,3}(?:took place|happened|came|arrived|was (?:held|sent)))|\bno (?:one|body) "  # noqa: E501 - one cue per line reads better than a split regex
    r"(?:was|is|felt) (?:left|ignored)|\bnever (?:had|have) (?:a|any) (?:problem|issue)s?\b|"
    r"\b(?:never|nothing) (?:went|goes|was left) unanswered\b"
)


def _absent_service(code: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(_SERVICE[code], _FLAGS), re.compile(_FAILURE[code], _FLAGS)


ABSENT_SERVICE = {code: _absent_service(code) for code in _SERVICE}
PRAISE_SHAPED = re.compile(_PRAISE_SHAPED, _FLAGS)
