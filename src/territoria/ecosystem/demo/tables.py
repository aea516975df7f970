"""Word lists and weights of the demo generator; all fictitious but PUBLISHED_PROJECTS and the press release."""

from datetime import date

BATCH = 1000
AI = ("ai", "machine-learning", "computer-vision", "nlp", "generative-ai")
COMPANIES = ("startup", "sme", "large-company")
PUBLIC = ("public-body", "local-authority")
# Fixed, not today's date, so that a seed always gives the same data: publications, consents
# and roles end here; events may be announced up to the end of 2026.
AS_OF = date(2026, 10, 31)

# --- The mix of organisations ------------------------------------------------------------

ORG_TYPES = {
    "sme": 55, "startup": 12, "large-company": 5, "local-authority": 5, "public-body": 3,
    "research-centre": 2.5, "university": 1.5, "cluster": 2, "non-profit": 10,
    "investor": 1.5, "incubator": 1.5, "self-employed": 1,
}  # fmt: skip
# NACE-BEL 2025 divisions: (weight for SMEs and large companies, weight for start-ups).
# In NACE-BEL 2025, IT is K62/K63, management consultancy N70, health R86.
COMPANY_DIVISIONS = {
    "K62": (10, 24), "K63": (3, 9), "K61": (0.5, 1), "J58": (1, 4), "J59": (0.8, 1.5),
    "N70": (6, 4), "N71": (5, 3), "N72": (1.5, 8), "N69": (3, 0.5), "N73": (2, 2),
    "N74": (1.5, 1), "C10": (3, 2), "C11": (1, 1), "C16": (1, 0), "C20": (0.8, 1),
    "C21": (0.5, 3), "C22": (1, 0.5), "C23": (0.7, 0), "C24": (0.6, 0), "C25": (2.5, 0.5),
    "C26": (0.8, 3), "C27": (0.8, 1), "C28": (1.5, 2), "C29": (0.4, 0.3), "C30": (0.4, 0.5),
    "C31": (0.6, 0), "C32": (0.6, 1), "C33": (0.8, 0), "G46": (7, 2), "G47": (8, 3),
    "F41": (4, 0), "F42": (1.5, 0), "F43": (6, 0.3), "I55": (1.5, 0), "I56": (4, 0.5),
    "H49": (2, 0.5), "H52": (1.5, 1), "M68": (2, 0.5), "A01": (2, 1.5), "L64": (0.8, 2),
    "L66": (0.7, 0.5), "O77": (0.5, 0.2), "O78": (1, 0.3), "O81": (1, 0), "O82": (1, 0.5),
    "D35": (0.8, 2), "E38": (0.6, 1), "R86": (3, 4), "S93": (1, 0.5), "T95": (0.5, 0),
    "T96": (1, 0.3),
}  # fmt: skip
KIND_DIVISIONS: dict[str, dict[str, float]] = {
    "public-body": {"P84": 10, "Q85": 1, "S91": 1, "N70": 1},
    "local-authority": {"P84": 1},
    "research-centre": {"N72": 1},
    "university": {"Q85": 1},
    "cluster": {"T94": 1},
    "non-profit": {"T94": 4, "R88": 3, "S93": 2, "S90": 1.5, "Q85": 1.5, "S91": 1, "R87": 1},
    "investor": {"L64": 3, "L66": 1},
    "incubator": {"N70": 2, "M68": 1, "N74": 1},
    "self-employed": {"N70": 3, "N71": 2, "K62": 3, "N74": 2, "N73": 2, "F43": 2, "T96": 2},
}
# A second division, when there is one, comes from the first one's neighbours.
RELATED = {
    "A": ["C10", "G46"], "C": ["G46", "N71", "C33", "C25", "C28"], "D": ["F43", "N71"],
    "E": ["H49", "N71"], "F": ["F43", "F41", "N71", "O81"], "G": ["G46", "G47", "H52", "C10"],
    "H": ["H52", "H49", "G46"], "I": ["I55", "I56", "S93"], "J": ["K62", "N73", "J59"],
    "K": ["K62", "K63", "N70", "J58", "T95"], "L": ["L66", "N70"], "M": ["F41", "N70"],
    "N": ["N70", "N71", "N72", "K62", "N74"], "O": ["O82", "N70", "O78"], "P": ["N70"],
    "Q": ["N72"], "R": ["R86", "R88", "N72"], "S": ["S93", "I56", "S90"], "T": ["T94", "N70"],
}  # fmt: skip
SECOND_DIVISION = {"research-centre": ["K62", "C26", "C21", "C20", "C28", "N71", "R86"],
                   "university": ["N72"], "cluster": ["N70"]}  # fmt: skip
SIZES = {
    "startup": {"micro": 65, "small": 28, "medium": 7},
    "sme": {"micro": 52, "small": 33, "medium": 15},
    "large-company": {"large": 1},
    "self-employed": {"micro": 1},
    "research-centre": {"small": 35, "medium": 45, "large": 20},
    "university": {"medium": 40, "large": 60},
    "cluster": {"micro": 60, "small": 40},
    "non-profit": {"micro": 55, "small": 33, "medium": 12},
    "investor": {"micro": 60, "small": 40},
    "incubator": {"micro": 55, "small": 45},
}  # public administrations get none: the size scheme is the EU definition of enterprises.
FOUNDED = {
    "startup": (2013, 2025), "large-company": (1950, 2005), "sme": (1950, 2025),
    "research-centre": (1960, 2015), "university": (1960, 2010), "cluster": (2005, 2022),
    "non-profit": (1970, 2024), "investor": (1985, 2022), "incubator": (2000, 2023),
    "self-employed": (1985, 2025), "public-body": (1970, 2020),
}  # fmt: skip
# Enterprise numbers roughly follow the KBO/BCE series of the founding years.
NUMBER_SERIES = [(2002, 4_000_000, 4_799_999), (2013, 8_000_000, 8_999_999),
                 (2016, 5_000_000, 6_999_999), (2022, 7_000_000, 7_999_999),
                 (2100, 10_000_000, 10_199_999)]  # fmt: skip
PUBLIC_SERIES = (2_000_000, 2_599_999)
LEGAL_FORMS = {
    "startup": {"SRL": 85, "SA": 15}, "sme": {"SRL": 72, "SA": 12, "SC": 7, "SNC": 5, "SComm": 4},
    "large-company": {"SA": 85, "SRL": 10, "SC": 5}, "self-employed": {"personne physique": 1},
    "research-centre": {"ASBL": 80, "fondation d'utilité publique": 20},
    "university": {"ASBL": 50, "organisme d'intérêt public": 50}, "cluster": {"ASBL": 1},
    "non-profit": {"ASBL": 94, "AISBL": 6},  # "Fondation …" names become "fondation privée"
    "investor": {"SA": 60, "SRL": 40}, "incubator": {"ASBL": 60, "SRL": 40},
    "public-body": {"organisme d'intérêt public": 1},
}  # fmt: skip
# The region whose programme published PUBLISHED_PROJECTS, the press release and the
# example magnets (its concept in the territory scheme): other regions' demos go without.
PUBLISHED_REGION = "BE-WAL"
# Big cities and tech parks weigh more; every other municipality weighs 1. By notation in
# the territory scheme, whatever the profile (the two packaged ones here).
CITY_WEIGHTS = {
    "liege": 30, "charleroi": 28, "namur": 22, "mons": 16, "ottignies-louvain-la-neuve": 12,
    "la-louviere": 10, "tournai": 10, "wavre": 10, "mont-saint-guibert": 8, "verviers": 8,
    "mouscron": 7, "gembloux": 6, "arlon": 6, "seraing": 6, "nivelles": 6, "waterloo": 6,
    "braine-l-alleud": 6, "herstal": 5, "fleurus": 4, "huy": 4, "ans": 4,
    "marche-en-famenne": 4, "sambreville": 3, "andenne": 3, "dinant": 3, "ath": 3,
    "soignies": 3, "binche": 3, "chatelet": 3, "eupen": 3, "bastogne": 3, "libramont-chevigny": 3,
    "bruxelles": 30, "ixelles": 12, "schaerbeek": 10, "anderlecht": 10, "saint-gilles": 6,
    "etterbeek": 6, "uccle": 6, "molenbeek-saint-jean": 6, "woluwe-saint-lambert": 6,
    "forest": 4, "saint-josse-ten-noode": 4, "woluwe-saint-pierre": 4, "jette": 3,
}  # fmt: skip

# --- Word parts ----------------------------------------------------------------------------

PREFIXES = ("Nex", "Vali", "Luma", "Orbi", "Quan", "Soli", "Vero", "Ardu", "Kora", "Zeni",
            "Pixa", "Ima", "Tera", "Aqui", "Novi", "Ceri", "Dyna", "Helio", "Inno", "Lexi",
            "Meta", "Opti", "Praxi", "Sylva", "Vita", "Wal", "Xylo", "Alto", "Bryo", "Cala",
            "Duna", "Elio", "Fluxo", "Gala", "Hexa", "Ixo", "Juno", "Kali", "Lumi", "Mosa")  # fmt: skip
SUFFIXES = ("alis", "tek", "via", "lab", "nova", "sys", "gence", "line", "wise", "ria",
            "dis", "tron", "gen", "mind", "logic", "nex", "ora", "ium", "scope", "sphere",
            "wave", "core", "ly", "ence", "metrics")  # fmt: skip
# Areas within the region that names borrow ("Haute École de la Hesbaye"), by the region's
# concept; a region not listed lends its municipalities' names.
REGIONS = {"BE-WAL": (("Condroz", "du Condroz"), ("Famenne", "de la Famenne"), ("Ardenne", "de l'Ardenne"),
           ("Hesbaye", "de la Hesbaye"), ("Gaume", "de la Gaume"), ("Fagne", "de la Fagne"),
           ("Thudinie", "de la Thudinie"), ("Borinage", "du Borinage"), ("Herve", "du Pays de Herve"),
           ("Meuse", "de la Haute-Meuse"), ("Sambre", "de la Basse-Sambre"), ("Semois", "de la Semois"),
           ("Ourthe", "de l'Ourthe-Amblève"), ("Dyle", "de la vallée de la Dyle"),
           ("Collines", "du Pays des Collines"), ("Haine", "de la vallée de la Haine")),
           "BE-BRU": (("Senne", "de la vallée de la Senne"), ("Soignes", "de la forêt de Soignes"),
           ("Canal", "du Canal"), ("Pentagone", "du Pentagone"), ("Maelbeek", "du Maelbeek"),
           ("Woluwe", "de la vallée de la Woluwe"), ("Cinquantenaire", "du Cinquantenaire"),
           ("Heysel", "du Heysel"))}  # fmt: skip
SECTION_WORDS = {
    "A": ("AgriTech", "Agro", "Terroir"), "C": ("Industries", "Technics", "Process", "Metalworks"),
    "D": ("Énergie", "Solar", "Power"), "E": ("Recyclage", "Environnement"),
    "F": ("Construction", "Bâtiment", "Rénovation"), "G": ("Distribution", "Trading", "Comptoir"),
    "H": ("Logistics", "Transports"), "I": ("Hospitality", "Gastronomie"), "J": ("Media", "Studio"),
    "K": ("Digital", "Data", "Software", "Cloud", "IT"), "L": ("Finance", "Assurances"),
    "M": ("Immo", "Immobilier"), "N": ("Consulting", "Engineering", "Conseil", "Expertise"),
    "O": ("Services", "Facility"), "R": ("Santé", "Medical", "Care"), "S": ("Loisirs", "Events"),
    "T": ("Services", "Repair"),
}  # fmt: skip
DIVISION_WORDS = {"C10": ("Food", "Saveurs"), "C11": ("Brewing", "Boissons"), "C16": ("Bois",),
                  "C20": ("Chem", "Chimie"), "C21": ("Pharma", "Bio"), "C22": ("Polymères",),
                  "C25": ("Métal", "Inox"), "C26": ("Electronics", "Photonics"),
                  "N72": ("Research", "Lab")}  # fmt: skip
TRADES = {
    "C10": ("Biscuiterie", "Fromagerie", "Chocolaterie", "Boulangerie"), "C11": ("Brasserie",),
    "C16": ("Scierie",), "C25": ("Ferronnerie", "Chaudronnerie"), "C31": ("Ébénisterie",),
    "F41": ("Construction", "Entreprise générale"), "F43": ("Menuiserie", "Toitures", "Chauffage"),
    "G46": ("Établissements",), "G47": ("Librairie", "Épicerie", "Quincaillerie", "Boucherie"),
    "I56": ("Friterie", "Brasserie"), "I55": ("Hôtel",), "N69": ("Fiduciaire",),
    "N71": ("Bureau d'études",), "H49": ("Transports",), "A01": ("Ferme", "Pépinières"),
}  # fmt: skip
TRADE_ENDINGS = {"": 70, " & Fils": 18, " Frères": 7, " & Cie": 5}
FIRST_NAMES_M = ("Thomas", "Nicolas", "Julien", "Maxime", "Antoine", "Olivier", "Pierre",
                 "Benoît", "Michel", "Philippe", "Christophe", "Sébastien", "David", "Jérôme",
                 "Arnaud", "Guillaume", "Damien", "Cédric", "Romain", "Lucas", "Hugo", "Simon",
                 "Mathieu", "Vincent", "Frédéric", "Grégory", "Quentin", "Martin")  # fmt: skip
FIRST_NAMES_F = ("Marie", "Julie", "Sophie", "Caroline", "Catherine", "Isabelle", "Anne",
                 "Nathalie", "Valérie", "Laura", "Sarah", "Camille", "Charlotte", "Émilie",
                 "Aurélie", "Céline", "Delphine", "Élodie", "Manon", "Pauline", "Florence",
                 "Stéphanie", "Virginie", "Justine", "Claire", "Hélène", "Chloé", "Léa")  # fmt: skip
# Common Walloon surnames (Mertens, Laurent and Mouzon are left out: they appear in the seeds).
SURNAMES = ("Dubois", "Lambert", "Dupont", "Simon", "Leclercq", "Dumont", "Renard", "Lejeune",
            "Collard", "Gilson", "Hardy", "Jacquet", "Lefèvre", "Henry", "Piron", "Gérard",
            "Denis", "Lemaire", "Bodart", "Delvaux", "Fontaine", "Noël", "Thiry", "Remy",
            "Hubert", "Legrand", "Leroy", "Masson", "Pirard", "Goffin", "Delhaye", "Servais",
            "Delforge", "Lecomte", "Gobert", "Marchal", "Collignon", "Dethier", "Lallemand",
            "Evrard", "Wéry", "Close", "Baudoux", "Moreau", "Lhoest", "Defays")  # fmt: skip
STREETS = ("Rue de la Station", "Rue de l'Église", "Rue du Moulin", "Chaussée de Bruxelles",
           "Avenue des Tilleuls", "Rue Haute", "Rue de la Gare", "Rue du Centre", "Rue des Écoles",
           "Chaussée de Namur", "Rue de Liège", "Rue Saint-Martin", "Avenue de la Libération",
           "Rue des Champs", "Rue du Château", "Rue de la Croix", "Rue des Fusillés",
           "Rue du Pont", "Rue Albert Ier", "Rue Léopold", "Avenue Reine Astrid", "Rue Neuve",
           "Rue de Mons", "Rue du Parc", "Rue des Prés", "Rue de la Fontaine", "Rue Royale",
           "Rue du Commerce", "Rue de l'Industrie", "Avenue Jean Mermoz", "Rue Émile Vandervelde",
           "Rue des Alouettes", "Rue du Bois", "Place de la Gare")  # fmt: skip
# Names of the real organisations (seed 000) and the agencies it names: never generated.
RESERVED_NAMES = {"tartes de francoise", "commune de sambreville", "euro space center",
                  "rumexperts", "mertens plastique", "galettes de luc", "agence du numerique"}  # fmt: skip

# --- Descriptions --------------------------------------------------------------------------

KIND_PHRASES = {
    "startup": "une start-up", "sme": "une PME", "large-company": "une grande entreprise",
    "public-body": "un organisme public", "local-authority": "un pouvoir local",
    "research-centre": "un centre de recherche", "cluster": "un cluster d'entreprises",
    "university": "un établissement d'enseignement supérieur", "non-profit": "une association",
    "investor": "une société d'investissement", "incubator": "un incubateur",
    "self-employed": "un indépendant",
}  # fmt: skip
SECTION_SENTENCES = {
    "A": "Ses productions sont vendues en circuit court à des partenaires de la région.",
    "C": "Ses ateliers produisent pour des clients industriels en Belgique et dans les pays voisins.",
    "F": "Ses équipes interviennent sur des chantiers privés et publics.",
    "G": "Sa clientèle réunit des professionnels et des particuliers.",
    "K": "Ses clients sont des entreprises et des administrations qui mènent des projets numériques.",
    "N": "Ses services s'adressent à des entreprises de toutes tailles.",
    "P": "Ses services de proximité s'adressent aux citoyens et aux entreprises.",
    "Q": "Ses formations s'adressent aux étudiants comme aux professionnels.",
    "R": "Ses services placent le bien-être des patients et des bénéficiaires au premier plan.",
    "T": "Ses activités rassemblent ses membres autour de projets communs.",
}  # fmt: skip
TECH_SENTENCES = ("Ses projets mobilisent : {}.", "Compétences numériques : {}.",
                  "Domaines technologiques : {}.")  # fmt: skip
TECH_AFFINITY: dict[str, dict[str, float]] = {
    "K": {"software": 5, "cloud": 4, "data": 4, "ai": 4.5, "cybersecurity": 3, "e-commerce": 1,
          "blockchain": 1, "iot": 1, "ar-vr": 1, "5g": 0.5, "hpc": 0.5, "quantum": 0.2},
    "C": {"iot": 4, "robotics": 4, "3d-printing": 3, "data": 3, "ai": 3, "software": 1,
          "cybersecurity": 1},
    "N": {"ai": 4, "data": 3, "hpc": 1.5, "quantum": 1, "software": 2, "iot": 1, "robotics": 1},
    "G": {"e-commerce": 5, "data": 2, "ai": 1.5, "cloud": 1, "software": 1},
    "R": {"ai": 3, "data": 3, "software": 2, "iot": 1, "ar-vr": 0.5},
    "*": {"software": 2, "data": 2, "cloud": 2, "ai": 2, "cybersecurity": 2, "e-commerce": 1,
          "iot": 1, "ar-vr": 0.5, "5g": 0.3},
}  # fmt: skip
TECH_AFFINITY["J"] = TECH_AFFINITY["K"]
AI_CONCEPTS = {"ai": 2, "machine-learning": 3, "computer-vision": 2, "nlp": 1.5, "generative-ai": 2}
TECH_COUNT_DIGITAL = {0: 10, 1: 25, 2: 30, 3: 22, 4: 13}
TECH_COUNT_OTHER = {0: 62, 1: 23, 2: 10, 3: 4, 4: 1}
TECH_COUNT_NON_PROFIT = {0: 80, 1: 15, 2: 5}  # public bodies, associations, investors…

# --- The six projects and the press release of seed 000 (published, real) -----------------

PRESS_RELEASE_TITLE = "L’IA séduit toujours plus les entreprises wallonnes"
PRESS_RELEASE_SUMMARY = (
    "La demande d'accompagnement en intelligence artificielle a été multipliée par 7 en deux "
    "ans, affirme l’Agence du Numérique (AdN) en charge de la stratégie Digital Wallonia dont "
    "l’IA est l’une des priorités majeures du gouvernement wallon. Forte de résultats concrets, "
    "la région wallonne renforce son soutien aux entreprises dans l’adoption de l’IA via Digital "
    "Wallonia. Grâce à ce programme wallon en intelligence artificielle, l’IA devient un levier "
    "concret de transformation pour les entreprises et les services publics."
)
# The press release bears no date. It quotes complete 2024 figures ("entre 2022 et 2024",
# Eurostat 2024), so it cannot be older than 2025: we record 1 January 2025, the earliest
# date the text allows, rather than guess a day; correct it from the original if known.
PRESS_RELEASE_DATE = date(2025, 1, 1)
# (name, NACE division fitting the seed's word, municipality, summary as published).
# Division choices: commerce of tarts in shops → G47 (retail); delivery rounds of galettes →
# G46 (wholesale distribution); tourism attraction → S93 (recreation and leisure); livestock
# data → A01 (animal production and related services); plastics industry → C22.
PUBLISHED_PROJECTS = (
    ("Tartes de Françoise", "G47", None,
     "optimisation du stock de tartes en point de vente afin de réduire le sur stock et de "
     "réduire les ruptures."),
    ("Commune de Sambreville", "P84", "sambreville",
     "aide au traitement des questions citoyennes."),
    ("Euro Space Center", "S93", None,
     "Outil d’aide à la planification du personnel pour gagner en qualité de service et "
     "optimiser la charge de travail des collaborateurs."),
    ("RumeXperts", "A01", None,
     "utilisation de l’IA dans les données d’élevage pour prédire des complications de santé "
     "chez les troupeaux."),
    ("Mertens Plastique", "C22", None, "accélérer la création de devis grâce à l’IA"),
    ("Galettes de Luc", "G46", None,
     "solution de gestion des tournées de livraison, réduisant ainsi les erreurs manuelles, "
     "optimisant les itinéraires, et minimisant le kilométrage et la consommation de carburant "
     "grâce à l'utilisation de l'intelligence artificielle."),
)  # fmt: skip

# --- Events, publications, people, magnets -------------------------------------------------

THEMES = (("IA & industrie", "ai"), ("IA générative en entreprise", "generative-ai"),
          ("cybersécurité pour PME", "cybersecurity"), ("IoT industriel", "iot"),
          ("valorisation des données", "data"), ("cloud souverain", "cloud"),
          ("robotique collaborative", "robotics"), ("fabrication additive", "3d-printing"),
          ("blockchain et traçabilité", "blockchain"), ("vente en ligne", "e-commerce"),
          ("technologies quantiques", "quantum"), ("réalité virtuelle", "ar-vr"),
          ("industrie du futur", None), ("transition numérique des communes", None),
          ("financement de l'innovation", None), ("entrepreneuriat numérique", None),
          ("santé numérique", None), ("compétences numériques", None))  # fmt: skip
EVENT_TITLES = {
    "conference": ("Conférence « {theme} » à {place}", "Journée {theme} {year}"),
    "workshop": ("Atelier {theme}", "Atelier pratique : {theme} à {place}"),
    "webinar": ("Webinaire : {theme}", "Webinaire « {theme} » en 30 minutes"),
    "trade-fair": ("Salon {theme} de {place}", "Salon des solutions {theme} {year}"),
    "hackathon": ("Hackathon {theme} {year}", "Hackathon « {theme} » à {place}"),
    "networking": ("Rencontre {theme} à {place}", "Afterwork {theme} à {place}"),
    "training": ("Formation : {theme}", "Formation {theme} pour dirigeants"),
    "call-information": ("Séance d'information : appel à projets {theme} {year}",),
}  # fmt: skip
EVENT_TYPES = {"conference": 18, "workshop": 22, "webinar": 14, "trade-fair": 6, "hackathon": 6,
               "networking": 18, "training": 10, "call-information": 6}  # fmt: skip
DESTINATIONS = (("au Québec", "Montréal (Canada)"), ("au Japon", "Tokyo (Japon)"),
                ("en Corée du Sud", "Séoul (Corée du Sud)"), ("à Singapour", "Singapour"),
                ("en Californie", "San Francisco (États-Unis)"), ("au Texas", "Austin (États-Unis)"),
                ("aux Émirats arabes unis", "Dubaï (Émirats arabes unis)"),
                ("au Maroc", "Casablanca (Maroc)"), ("au Sénégal", "Dakar (Sénégal)"),
                ("en Inde", "Bangalore (Inde)"), ("en Finlande", "Helsinki (Finlande)"),
                ("en Estonie", "Tallinn (Estonie)"), ("en Allemagne", "Berlin (Allemagne)"),
                ("aux Pays-Bas", "Eindhoven (Pays-Bas)"), ("en France", "Paris (France)"),
                ("en Espagne", "Barcelone (Espagne)"), ("en Suisse", "Lausanne (Suisse)"),
                ("au Royaume-Uni", "Londres (Royaume-Uni)"), ("à Taïwan", "Taipei (Taïwan)"),
                ("au Brésil", "São Paulo (Brésil)"))  # fmt: skip
MISSIONS = (("Mission économique numérique {}", None), ("Mission IA & data {}", "ai"),
            ("Mission start-up {}", None), ("Mission industrie 4.0 {}", "iot"),
            ("Mission cybersécurité {}", "cybersecurity"), ("Mission santé numérique {}", None))  # fmt: skip
PUBLICATION_TITLES = {
    "news": ("{org} inaugure de nouveaux locaux à {city}", "{org} recrute pour ses projets « {theme} »"),
    "press-release": ("{org} et ses partenaires misent sur « {theme} »",),
    "report": ("Rapport d'activité {year} de {org}", "Rapport : {theme} en {region}"),
    "study": ("Étude : {theme} dans les PME de la région", "Étude sectorielle {year} : {theme}"),
    "barometer": ("Baromètre {theme} {year}",),
    "guide": ("Guide pratique : {theme}", "Dix questions sur : {theme}"),
    "case-study": ("Cas d'usage : {theme} chez {org}",),
    "strategy": ("Feuille de route {theme} {year}–{end}",),
}  # fmt: skip
PUBLICATION_TYPES = {"news": 30, "press-release": 10, "report": 10, "study": 10, "barometer": 5,
                     "guide": 12, "case-study": 15, "strategy": 8}  # fmt: skip
ROLES = {
    "company": (("CEO", "CEO"), ("CTO", "CTO"), ("Responsable innovation", "Responsable innovation"),
                ("Directeur commercial", "Directrice commerciale"), ("Data scientist", "Data scientist"),
                ("Responsable marketing", "Responsable marketing"), ("Fondateur", "Fondatrice")),
    "public": (("Responsable informatique", "Responsable informatique"),
               ("Chargé de projets Smart City", "Chargée de projets Smart City"),
               ("Agent de transition numérique", "Agente de transition numérique")),
    "research": (("Directeur de recherche", "Directrice de recherche"),
                 ("Chercheur", "Chercheuse"), ("Responsable valorisation", "Responsable valorisation")),
    "network": (("Directeur", "Directrice"), ("Chargé de mission", "Chargée de mission"),
                ("Coordinateur", "Coordinatrice")),
}  # fmt: skip
ROLE_GROUPS = {"public-body": "public", "local-authority": "public", "research-centre": "research",
               "university": "research", "cluster": "network", "non-profit": "network",
               "incubator": "network"}  # fmt: skip
MAGNETS = (
    ("startups-ia-internationales", "Start-ups IA à l'international",
     "Les start-ups actives dans l'IA, passées par une mission internationale, financées par le "
     "fonds W.IN.G et lauréates DigitalWallonia4.ai.",
     {"all": [{"concept": "org-type:startup"}, {"concept": "technology:ai"},
              {"concept": "label:international-mission"}, {"concept": "label:wing-fund"},
              {"concept": "label:dw4ai-laureate"}]}),
    ("industrie-du-futur-en-pole", "Industrie du futur en pôle",
     "Les entreprises manufacturières labellisées Factory of the Future ou Made Different et "
     "membres d'un pôle de compétitivité.",
     {"all": [{"concept": "nace:C"},
              {"any": [{"concept": "label:factory-of-the-future"},
                       {"concept": "label:made-different"}]},
              {"concept": "label:competitiveness-cluster"}]}),
)  # fmt: skip
# Their names and descriptions in Dutch, German and English.
MAGNET_TRANSLATIONS = {
    "startups-ia-internationales": {
        "nl": ("Internationale AI-start-ups",
               "AI-start-ups die aan een internationale missie deelnamen, door het W.IN.G-fonds "
               "gefinancierd werden en laureaat van DigitalWallonia4.ai zijn."),
        "de": ("International aktive KI-Start-ups",
               "KI-Start-ups, die an einer internationalen Mission teilgenommen haben, vom "
               "W.IN.G-Fonds finanziert wurden und Preisträger von DigitalWallonia4.ai sind."),
        "en": ("AI start-ups going international",
               "AI start-ups that took part in an international mission, were funded by the W.IN.G "
               "fund and are DigitalWallonia4.ai laureates."),
    },
    "industrie-du-futur-en-pole": {
        "nl": ("Industrie van de toekomst in een competitiviteitspool",
               "Productiebedrijven met het label Factory of the Future of Made Different die lid "
               "zijn van een competitiviteitspool."),
        "de": ("Industrie der Zukunft im Wettbewerbscluster",
               "Produktionsunternehmen mit dem Label Factory of the Future oder Made Different, die "
               "Mitglied eines Wettbewerbsclusters sind."),
        "en": ("Industry of the future in a competitiveness cluster",
               "Manufacturing companies with the Factory of the Future or Made Different label "
               "that belong to a competitiveness cluster."),
    },
}  # fmt: skip

# Where the two magnets come from, added to their descriptions in the region whose strategy
# gives them as examples (PUBLISHED_REGION). The French quotes the strategy.
MAGNET_SOURCES = {
    "startups-ia-internationales": {
        "fr": "Exemple de la stratégie Digital Wallonia : « les startups actives dans l'IA, "
              "ayant participé à une mission internationale, financées par le fonds W.IN.G et "
              "lauréates d'un appel à projets du programme DW4AI ».",
        "nl": "Een voorbeeld uit de Digital Wallonia-strategie.",
        "de": "Ein Beispiel aus der Strategie Digital Wallonia.",
        "en": "An example given by the Digital Wallonia strategy.",
    },
    "industrie-du-futur-en-pole": {
        "fr": "Exemple de la stratégie Digital Wallonia : « les entreprises manufacturières "
              "identifiées labellisées Factory of The Future ou Made Different et membre d'un "
              "pôle de compétitivité ».",
        "nl": "Een voorbeeld uit de Digital Wallonia-strategie.",
        "de": "Ein Beispiel aus der Strategie Digital Wallonia.",
        "en": "An example given by the Digital Wallonia strategy.",
    },
}  # fmt: skip


COMPANY_PATTERNS = {
    "sme": {"{brand} {legal}": 30, "{brand} {word} {legal}": 18, "{word} {region} {legal}": 14,
            "{trade} {surname}{ending}": 26, "{surname} & {other} {legal}": 12},
    "startup": {"{brand} {legal}": 55, "{brand} {word} {legal}": 45},
    "large-company": {"{brand} {legal}": 40, "{brand} {word} {legal}": 35,
                      "{word} {region} {legal}": 25},
}  # fmt: skip
NAME_PATTERNS = {
    "research-centre": ("Centre de recherche {brand}", "{brand} Research", "Laboratoire {brand}",
                        "Institut {brand}"),
    "university": ("Haute École {of_region}", "Institut supérieur {brand}", "Haute École {brand}",
                   "École supérieure des arts {of_region}"),
    "cluster": ("Cluster {brand}", "Pôle {brand}", "{brand} Cluster"),
    "non-profit": ("{group} {cause} {of_region}", "{group} {cause} {of_city}"),
    "investor": ("{brand} Capital {legal}", "{brand} Ventures {legal}", "Fonds {brand} {legal}"),
    "incubator": ("{brand} Hub", "Incubateur {brand}", "{brand} Accelerator"),
    "public-body": ("{office} {theme} {of_region}",),
    "self-employed": ("{first} {surname}",),
}  # fmt: skip
# Local authorities are named after their municipality (Sambreville excepted: it is real).
LOCAL_PATTERNS = (("Commune {of_city}", "commune"), ("CPAS {of_city}", "CPAS"),
                  ("Régie communale autonome {of_city}", "régie communale autonome"),
                  ("Intercommunale {theme} {of_region}", "intercommunale"))  # fmt: skip
LOCAL_WEIGHTS = (55, 30, 10, 5)
OFFICES = ("Office", "Agence", "Observatoire", "Service régional", "Centre public")
PUBLIC_THEMES = ("de la transition numérique", "de la mobilité", "de l'emploi", "du tourisme",
                 "de l'énergie", "de l'aménagement du territoire", "de la formation",
                 "du logement", "de l'environnement", "de la santé", "de l'eau", "du patrimoine")  # fmt: skip
GROUPS = ("Association", "Collectif", "Réseau", "Fondation", "Maison")
CAUSES = ("pour l'inclusion numérique", "des entrepreneurs", "pour l'emploi des jeunes",
          "pour la culture", "pour le sport", "pour la transition énergétique", "des artisans",
          "d'éducation permanente", "des aînés", "de coding pour enfants",
          "pour l'économie sociale", "des producteurs locaux")  # fmt: skip

# --- Labels: base chances by org type, raised by the correlations in `_Builder.labels` ------

CLUSTER_CHANCE = {"research-centre": 0.6, "university": 0.5, "large-company": 0.35,
                  "startup": 0.1, "sme": 0.05, "incubator": 0.2, "non-profit": 0.02}  # fmt: skip
DW4AI_CHANCE = {"sme": 0.04, "large-company": 0.1, "startup": 0.08, "local-authority": 0.06,
                "public-body": 0.05, "non-profit": 0.02}  # fmt: skip
MISSION_CHANCE = {"startup": 0.1, "large-company": 0.12, "sme": 0.02, "research-centre": 0.12,
                  "university": 0.08, "cluster": 0.25, "incubator": 0.15}  # fmt: skip
EPN_CHANCE = {"local-authority": 0.25, "non-profit": 0.06}
ORGANISER_WEIGHTS = {"cluster": 10, "public-body": 6, "local-authority": 1.5, "research-centre": 6,
                     "university": 6, "incubator": 5, "non-profit": 0.5}  # fmt: skip
BOARD_ROLE = ("Administrateur", "Administratrice")
