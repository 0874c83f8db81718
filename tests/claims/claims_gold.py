"""A small hand-labelled gold set written for the quality gate (not taken from shared data).

Each article lists its attributions as (content, speaker mention, resolved speaker); contents
and mentions are unique substrings of the text, so offsets are derived, not typed by hand.
"""

ARTICLES = [
    {
        "text": (
            "Budget talks stall as deadline nears\n\n"
            "WASHINGTON — Senate Majority Leader Maria Delgado said Tuesday that the chamber would "
            "not vote on the spending bill before the recess.\n\n"
            "\u201cWe are not going to rush a trillion-dollar bill through in two days,\u201d Delgado "
            "told reporters. \u201cThe members need time to read it.\u201d\n\n"
            "The White House disagreed. Press secretary Tom Becker said the delay would cost "
            "federal workers their paychecks, adding that the president was ready to sign.\n\n"
            "According to the Congressional Budget Office, the bill would add $1.2 trillion to "
            "deficits over ten years.\n\n"
            "\u201cThis is a manufactured crisis,\u201d said Rep. Alan Price, a Republican from Ohio.\n"
        ),
        "gold": [
            ("the chamber would not vote on the spending bill before the recess", "Senate Majority Leader Maria Delgado", "Maria Delgado"),
            ("\u201cWe are not going to rush a trillion-dollar bill through in two days,\u201d", "Delgado", "Maria Delgado"),
            ("the delay would cost federal workers their paychecks", "Press secretary Tom Becker", "Tom Becker"),
            ("the president was ready to sign", "Press secretary Tom Becker", "Tom Becker"),
            ("the bill would add $1.2 trillion to deficits over ten years", "the Congressional Budget Office", "Congressional Budget Office"),
            ("\u201cThis is a manufactured crisis,\u201d", "Rep. Alan Price", "Alan Price"),
        ],
    },
    {
        "text": (
            "City council approves new transit plan\n\n"
            "The Riverside City Council voted 7-2 on Monday to approve a $400 million light-rail "
            "line, ending a three-year fight over the route.\n\n"
            "Councilwoman Janet Okafor, who led the effort, called the vote \u201ca turning point "
            "for working families who spend two hours a day on buses.\u201d\n\n"
            "Opponents were unconvinced. \u201cThe ridership numbers are a fantasy,\u201d said "
            "Councilman Peter Lund. \u201cWe will be paying for this for decades.\u201d\n\n"
            "Lund said he would push for a public referendum in November.\n\n"
            "The Riverside Gazette reported last week that construction costs had risen 30 percent "
            "since 2019. The newspaper said the city had not updated its estimates.\n"
        ),
        "gold": [
            ("the vote \u201ca turning point for working families who spend two hours a day on buses.\u201d", "Councilwoman Janet Okafor", "Janet Okafor"),
            ("\u201cThe ridership numbers are a fantasy,\u201d", "Councilman Peter Lund", "Peter Lund"),
            ("he would push for a public referendum in November", "Lund", "Peter Lund"),
            ("construction costs had risen 30 percent since 2019", "The Riverside Gazette", "The Riverside Gazette"),
            ("the city had not updated its estimates", "The newspaper", "The Riverside Gazette"),
        ],
    },
    {
        "text": (
            "Health officials warn of early flu season\n\n"
            "Dr. Susan Whitfield, the state epidemiologist, warned on Friday that flu cases had "
            "doubled compared with the same week last year.\n\n"
            "\u201cWe are seeing hospital admissions we would normally expect in January,\u201d she "
            "said. \u201cPeople should get vaccinated now, not next month.\u201d\n\n"
            "Whitfield said pharmacies had enough vaccine for everyone who wants it.\n\n"
            "Hospital administrators said emergency rooms in three counties were already full, "
            "according to a statement from the state hospital association.\n"
        ),
        "gold": [
            ("flu cases had doubled compared with the same week last year", "Dr. Susan Whitfield", "Susan Whitfield"),
            ("\u201cWe are seeing hospital admissions we would normally expect in January,\u201d", "she", "Susan Whitfield"),
            ("pharmacies had enough vaccine for everyone who wants it", "Whitfield", "Susan Whitfield"),
            ("emergency rooms in three counties were already full", "Hospital administrators", "Hospital administrators"),
        ],
    },
    {
        "text": (
            "Candidate defends tax plan in debate\n\n"
            "Former governor Linda Marsh defended her tax plan on Thursday night, saying it would "
            "cut taxes for 90 percent of households.\n\n"
            "Her rival, businessman Carl Henning, said the plan was \u201cmath that doesn\u2019t add "
            "up\u201d and accused her of hiding its cost.\n\n"
            "Marsh shot back: \u201cI balanced eight budgets in a row. My opponent has never balanced "
            "one.\u201d\n\n"
            "\u201cThe numbers are on my website for anyone to check,\u201d she added.\n"
        ),
        "gold": [
            ("it would cut taxes for 90 percent of households", "Former governor Linda Marsh", "Linda Marsh"),
            ("the plan was \u201cmath that doesn\u2019t add up\u201d", "businessman Carl Henning", "Carl Henning"),
            ("\u201cI balanced eight budgets in a row. My opponent has never balanced one.\u201d", "Marsh", "Linda Marsh"),
            ("\u201cThe numbers are on my website for anyone to check,\u201d", "she", "Linda Marsh"),
        ],
    },
]
