#!/usr/bin/env python3
"""Reference numbers for Tuneloom's sacrebleu-compatible BLEU beyond ../shared/fixtures (which has
four Chinese pairs): English with the 13a tokenizer, and tokenizer edge cases of the zh tokenizer
(full-width and general punctuation, HTML entities, digits with . , -, astral characters).

Needs sacrebleu 2.x importable (`pip install sacrebleu`, or PYTHONPATH pointing at a source checkout).
    python3 scripts/sacrebleu_reference.py > src-main/eval/fixtures/sacrebleu_reference.json
"""
import json
import sys

import sacrebleu
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

EN = [
    ("The cat sat on the mat.", "The cat is on the mat."),
    ("It costs $3.50, doesn't it?", "It costs 3.50 dollars, does it not?"),
    ("Students must submit the form to their counsellor.", "Students should hand the leave form to the counsellor for approval."),
    ("Rates rose 2-3% in Q1 & Q2.", "Rates rose by 2-3 % in Q1 &amp; Q2 ."),
    ("ok", "okay then"),
    ("", "an empty prediction"),
]
ZH_EDGE = [
    ("“你好”——他说…… 3.5元，共12-3件 &amp; 𠀀。", "“你好”，他说：3.5元一件。"),
    ("ＡＢＣ全角字符ａｂｃ，①②③ → ★", "ABC全角字符abc，①②③→★"),
    ("Python 3.12 发布了！version 3.12.1", "Python 3.12 已经发布。"),
    ("  前后有空格\u3000 ", "前后有空格"),
]


def main():
    t13a, tzh = Tokenizer13a(), TokenizerZh()
    out = {"sacrebleu_version": sacrebleu.__version__, "sets": []}
    for name, pairs, tok, fn in (("en", EN, "13a", t13a), ("zh_edge", ZH_EDGE, "zh", tzh)):
        hyps = [h for h, _ in pairs]
        refs = [r for _, r in pairs]
        out["sets"].append({
            "name": name,
            "tokenize": tok,
            "hyps": hyps,
            "refs": refs,
            "hyp_tokens": [fn(h.rstrip()) for h in hyps],
            "ref_tokens": [fn(r.rstrip()) for r in refs],
            "corpus_bleu": sacrebleu.corpus_bleu(hyps, [refs], tokenize=tok).score,
            "sentence_bleu": [sacrebleu.sentence_bleu(h, [r], tokenize=tok).score for h, r in pairs],
        })
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
