"""Word lists the verifier benchmark writes its paraphrases and errors with.

Drugs, diagnoses, plan items and abbreviations are our own short lists of common primary-care
terms. Person names come from the PhysioNet deid lists (GPL-2.0), read from the data directory
at run time and never copied into the package.
"""

from dataclasses import dataclass, field
from pathlib import Path

from chartdraft.domain.errors import InputError

# Grouped by class, so that a swapped drug is the mistake a model makes (lisinopril for
# losartan), not a random word.
DRUG_CLASSES: dict[str, tuple[str, ...]] = {
    "ace inhibitor": ("lisinopril", "enalapril", "ramipril", "benazepril"),
    "angiotensin receptor blocker": ("losartan", "valsartan", "irbesartan", "olmesartan"),
    "calcium channel blocker": ("amlodipine", "nifedipine", "diltiazem", "verapamil"),
    "beta blocker": ("metoprolol", "atenolol", "carvedilol", "propranolol", "bisoprolol"),
    "diuretic": ("hydrochlorothiazide", "chlorthalidone", "furosemide", "spironolactone"),
    "statin": ("atorvastatin", "simvastatin", "rosuvastatin", "pravastatin"),
    "diabetes": (
        "metformin", "glipizide", "glimepiride", "sitagliptin", "empagliflozin",
        "dapagliflozin", "pioglitazone", "semaglutide", "liraglutide",
    ),
    "blood thinner": ("warfarin", "apixaban", "rivaroxaban", "clopidogrel", "aspirin"),
    "pain": (
        "acetaminophen", "ibuprofen", "naproxen", "meloxicam", "diclofenac",
        "tramadol", "oxycodone", "codeine",
    ),
    "nerve and muscle": ("gabapentin", "pregabalin", "cyclobenzaprine", "baclofen"),
    "antibiotic": (
        "amoxicillin", "azithromycin", "doxycycline", "cephalexin", "ciprofloxacin",
        "nitrofurantoin", "clindamycin", "levofloxacin", "metronidazole", "trimethoprim",
    ),
    "stomach": ("omeprazole", "pantoprazole", "esomeprazole", "famotidine", "ondansetron"),
    "airway": ("albuterol", "fluticasone", "budesonide", "montelukast"),
    "steroid": ("prednisone", "prednisolone", "methylprednisolone"),
    "antihistamine": ("cetirizine", "loratadine", "fexofenadine", "diphenhydramine"),
    "antidepressant": (
        "sertraline", "fluoxetine", "citalopram", "escitalopram", "bupropion", "trazodone",
        "venlafaxine", "duloxetine", "amitriptyline", "mirtazapine",
    ),
    "other": (
        "levothyroxine", "allopurinol", "colchicine", "tamsulosin", "finasteride",
        "sumatriptan", "alendronate", "hydroxychloroquine", "methotrexate",
    ),
}  # fmt: skip

# Other names a note may use for a listed drug (brands, British generic names): a note that
# says "Lasix" or "paracetamol" names furosemide or acetaminophen already.
DRUG_ALIASES: dict[str, str] = {
    "paracetamol": "acetaminophen", "salbutamol": "albuterol",
    "lasix": "furosemide", "tylenol": "acetaminophen", "motrin": "ibuprofen",
    "advil": "ibuprofen", "aleve": "naproxen", "norvasc": "amlodipine", "zestril": "lisinopril",
    "prinivil": "lisinopril", "lipitor": "atorvastatin", "glucophage": "metformin",
    "coumadin": "warfarin", "eliquis": "apixaban", "xarelto": "rivaroxaban",
    "plavix": "clopidogrel", "synthroid": "levothyroxine", "prilosec": "omeprazole",
    "protonix": "pantoprazole", "nexium": "esomeprazole", "pepcid": "famotidine",
    "zofran": "ondansetron", "zoloft": "sertraline", "prozac": "fluoxetine",
    "celexa": "citalopram", "lexapro": "escitalopram", "wellbutrin": "bupropion",
    "effexor": "venlafaxine", "cymbalta": "duloxetine", "neurontin": "gabapentin",
    "lyrica": "pregabalin", "flexeril": "cyclobenzaprine", "flonase": "fluticasone",
    "singulair": "montelukast", "zyrtec": "cetirizine", "claritin": "loratadine",
    "allegra": "fexofenadine", "benadryl": "diphenhydramine", "augmentin": "amoxicillin",
    "keflex": "cephalexin", "cipro": "ciprofloxacin", "macrobid": "nitrofurantoin",
    "flomax": "tamsulosin", "ozempic": "semaglutide", "jardiance": "empagliflozin",
    "farxiga": "dapagliflozin", "januvia": "sitagliptin", "toprol": "metoprolol",
    "lopressor": "metoprolol", "coreg": "carvedilol", "zocor": "simvastatin",
    "crestor": "rosuvastatin", "proventil": "albuterol", "ventolin": "albuterol",
    "imitrex": "sumatriptan", "fosamax": "alendronate", "plaquenil": "hydroxychloroquine",
    "zithromax": "azithromycin", "z-pack": "azithromycin", "medrol": "methylprednisolone",
    "aldactone": "spironolactone", "cozaar": "losartan", "diovan": "valsartan",
}  # fmt: skip

DIAGNOSES: tuple[str, ...] = (
    "community-acquired pneumonia", "acute bronchitis", "streptococcal pharyngitis",
    "acute sinusitis", "otitis media", "urinary tract infection", "pyelonephritis",
    "cellulitis", "gout", "rheumatoid arthritis", "hypothyroidism", "hyperthyroidism",
    "iron deficiency anemia", "atrial fibrillation", "congestive heart failure",
    "deep vein thrombosis", "pulmonary embolism", "peripheral artery disease",
    "chronic kidney disease", "nephrolithiasis", "cholecystitis", "pancreatitis",
    "diverticulitis", "irritable bowel syndrome", "celiac disease", "peptic ulcer disease",
    "generalized anxiety disorder", "major depressive disorder", "obstructive sleep apnea",
    "tension headache", "benign paroxysmal positional vertigo", "carpal tunnel syndrome",
    "plantar fasciitis", "lumbar radiculopathy", "herpes zoster", "Lyme disease",
    "polymyalgia rheumatica", "prediabetes", "osteoporosis", "allergic rhinitis",
    "contact dermatitis", "hyperlipidemia",
)  # fmt: skip

DIAGNOSIS_FRAMES: tuple[str, ...] = (
    "Findings are consistent with {dx}.",
    "Presentation is most consistent with {dx}.",
    "Clinical picture suggests {dx}.",
    "History and exam support a diagnosis of {dx}.",
    "Also meets criteria for {dx}.",
    "Diagnosis: {dx}.",
    "{Dx}, newly identified.",
    "Symptoms are attributed to {dx}.",
)

# A dose a model would plausibly write for each drug it might start.
STARTER_DOSES: dict[str, str] = {
    "lisinopril": "10 mg daily", "amlodipine": "5 mg daily", "losartan": "50 mg daily",
    "metformin": "500 mg twice daily", "atorvastatin": "20 mg nightly",
    "amoxicillin": "500 mg three times daily for 7 days", "prednisone": "40 mg daily for 5 days",
    "omeprazole": "20 mg daily", "sertraline": "50 mg daily", "gabapentin": "300 mg at bedtime",
    "cephalexin": "500 mg four times daily", "doxycycline": "100 mg twice daily",
    "montelukast": "10 mg nightly", "meloxicam": "15 mg daily", "hydrochlorothiazide": "25 mg daily",
    "levothyroxine": "50 mcg daily", "cetirizine": "10 mg daily", "famotidine": "20 mg twice daily",
}  # fmt: skip

TESTS: tuple[str, ...] = (
    "a complete blood count", "a basic metabolic panel", "a lipid panel", "thyroid function tests",
    "a chest x-ray", "an MRI of the lumbar spine", "a CT scan of the abdomen", "an echocardiogram",
    "a urinalysis", "a urine culture", "an electrocardiogram", "a sleep study", "a DEXA scan",
    "a Holter monitor", "a vitamin D level",
)  # fmt: skip

SPECIALTIES: tuple[str, ...] = (
    "cardiology", "gastroenterology", "neurology", "orthopedics", "dermatology",
    "endocrinology", "pulmonology", "rheumatology", "physical therapy", "urology",
    "nephrology", "psychiatry", "podiatry", "otolaryngology",
)  # fmt: skip

ADVICE: tuple[str, ...] = (
    "a low-sodium diet", "daily aerobic exercise", "a structured weight loss program",
    "smoking cessation counseling", "the influenza vaccine", "the shingles vaccine",
    "compression stockings", "a screening colonoscopy", "a home blood pressure cuff",
    "a Mediterranean diet",
)  # fmt: skip

PLAN_FRAMES: dict[str, tuple[str, ...]] = {
    "drug": ("Start {item}.", "We will start {item}.", "Prescribed {item}."),
    "test": ("Order {item}.", "Will obtain {item}.", "Check {item} before the next visit."),
    "referral": ("Refer to {item}.", "Referral placed to {item}."),
    "advice": ("Recommend {item}.", "Advised {item}."),
}

# (short, long): an honest paraphrase may write either. None carries a negation or a number
# (so not NKDA, TID, QID), and none has a second common reading (so not ED, ER, PE, CP).
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("HTN", "hypertension"), ("SOB", "shortness of breath"), ("BID", "twice daily"),
    ("PRN", "as needed"), ("QHS", "at bedtime"), ("DVT", "deep vein thrombosis"),
    ("DM", "diabetes mellitus"), ("CHF", "congestive heart failure"),
    ("COPD", "chronic obstructive pulmonary disease"), ("CAD", "coronary artery disease"),
    ("GERD", "gastroesophageal reflux disease"), ("UTI", "urinary tract infection"),
    ("URI", "upper respiratory infection"), ("CKD", "chronic kidney disease"),
    ("MI", "myocardial infarction"), ("AFib", "atrial fibrillation"), ("BP", "blood pressure"),
    ("HR", "heart rate"), ("RR", "respiratory rate"), ("CXR", "chest x-ray"),
    ("EKG", "electrocardiogram"), ("OA", "osteoarthritis"), ("PO", "by mouth"),
    ("CBC", "complete blood count"), ("PMH", "past medical history"),
    ("OSA", "obstructive sleep apnea"), ("BPH", "benign prostatic hyperplasia"),
)  # fmt: skip

NEGATION_CUES = frozenset(
    "no not denies denied deny negative without nil never none neither nor absent".split()
)
HEDGE_CUES = frozenset(
    """possible possibly probable probably likely suspected suspect presumed questionable
    concern concerning suspicious suggestive versus vs may might could rule r/o""".split()
)
SIDE_WORDS = frozenset("left right bilateral bilaterally".split())


def all_drugs() -> tuple[str, ...]:
    """Return every drug name of the benchmark's list, class by class, then the other names."""
    return (*(drug for drugs in DRUG_CLASSES.values() for drug in drugs), *DRUG_ALIASES)


@dataclass(frozen=True)
class Vocab:
    """The names and clinical terms perturbations may insert."""

    female_names: tuple[str, ...] = ()
    male_names: tuple[str, ...] = ()
    surnames: tuple[str, ...] = ()
    drug_classes: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DRUG_CLASSES))
    diagnoses: tuple[str, ...] = DIAGNOSES


def load_vocab(data_dir: Path) -> Vocab:
    """Return the benchmark vocabulary with person names read from the PhysioNet deid lists."""
    lists = data_dir / "physionet-deid-lists"
    if not (lists / "lists").is_dir():
        raise InputError(f"The PhysioNet deid name lists were not found under {lists}.")
    # A name that is also a common English word ("White", "Hill") is not a fair test of a name.
    common = set(_read_words(lists / "dict" / "commonest_words.txt"))

    def names(file: str) -> tuple[str, ...]:
        found = _read_words(lists / "lists" / file)
        return tuple(sorted({n.title() for n in found if n not in common}))

    return Vocab(
        female_names=names("female_names_popular.txt"),
        male_names=names("male_names_popular.txt"),
        surnames=names("last_names_popular.txt"),
    )


def _read_words(path: Path) -> list[str]:
    if not path.is_file():
        return []
    words = (line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return [w for w in words if w.isalpha()]
