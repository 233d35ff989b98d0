#!/usr/bin/env python3
"""Reference numbers for Tuneloom's LLaMA-Factory/ChatGLM-compatible metric mode.

Computes, for a few Chinese prediction/reference pairs, what LLaMA-Factory's
`scripts/eval_bleu_rouge.py` (and its ComputeSimilarity) prints:
  - jieba words: list(jieba.cut(text))            (python3-jieba 0.42.1, default dict, HMM on)
  - bleu-4: nltk sentence_bleu([list(ref)], list(hyp), SmoothingFunction().method3)  (characters)
  - rouge-1/2/l "f" of rouge_chinese.Rouge().get_scores(" ".join(hyp_words), " ".join(ref_words)),
    recomputed below by a small implementation that mirrors rouge-chinese 1.0.3 (the package is
    not in Debian): sentence cut, distinct n-grams, F = 2PR/(P+R+1e-8), LCS over all words.
  - each score * 100, rounded to 4 decimals.
(SQuAD-style F1/EM are Tuneloom's own and are tested against hand-computed cases instead.)

Run on a machine with the Debian packages python3-jieba and python3-nltk:
    /usr/bin/python3 scripts/jieba_reference.py > src-main/eval/fixtures/jieba_reference.json
"""
import json
import logging
import re
import sys

import jieba
import nltk
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

jieba.setLogLevel(logging.CRITICAL)

CASES = [
    ("这款连衣裙采用了优雅的设计，显得很有气质。", "这款连衣裙设计简约大方，穿上显得十分有气质。"),
    ("高血压病人可以口服党参的。", "高血压病人可以口服党参的。党参有降血脂，降血压的作用。"),
    ("学生请假需要填写请假单并提交辅导员审批。", "学生请假应当事先办理请假手续，经辅导员批准。"),
    ("完全无关的句子", "华中科技大学学生手册"),
    ("宽松的版型，舒适透气！适合夏天穿着。", "宽松版型，透气舒适，夏天穿着很凉快？"),
    ("感冒了要多喝水，注意休息。", "感冒时应该多喝水，好好休息，必要时去医院。"),
    ("好", "好的"),
    ("", "参考答案不为空"),
    ("我们明天去北京大学参观图书馆", "我们明天去参观北京大学的图书馆"),
    ("这件T恤采用纯棉面料，柔软亲肤。", "纯棉T恤，面料柔软，亲肤透气。"),
]


def cut_sent(para):
    para = re.sub(r"([。！？\?])([^”’])", r"\1\n\2", para)
    para = re.sub(r"(\.{6})([^”’])", r"\1\n\2", para)
    para = re.sub(r"(\…{2})([^”’])", r"\1\n\2", para)
    para = re.sub(r"([。！？\?][”’])([^，。！？\?])", r"\1\n\2", para)
    return para.rstrip().split("\n")


def words_of(joined):
    out = []
    for s in cut_sent(joined):
        if len(s) > 0:
            out.extend(" ".join(s.split()).split(" "))
    return out


def distinct(words, n):
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def f_score(p, r):
    return 2.0 * ((p * r) / (p + r + 1e-8))


def rouge_n(hyp, ref, n):
    h, r = distinct(hyp, n), distinct(ref, n)
    overlap = len(h & r)
    p = overlap / len(h) if h else 0.0
    rc = overlap / len(r) if r else 0.0
    return f_score(p, rc)


def lcs(x, y):
    prev = [0] * (len(y) + 1)
    for i in range(1, len(x) + 1):
        cur = [0] * (len(y) + 1)
        for j in range(1, len(y) + 1):
            cur[j] = prev[j - 1] + 1 if x[i - 1] == y[j - 1] else max(prev[j], cur[j - 1])
        prev = cur
    return prev[len(y)]


def rouge_scores(hyp_joined, ref_joined):
    hyp, ref = words_of(hyp_joined), words_of(ref_joined)
    l = lcs(ref, hyp)
    return {
        "rouge-1": rouge_n(hyp, ref, 1),
        "rouge-2": rouge_n(hyp, ref, 2),
        "rouge-l": f_score(l / len(hyp), l / len(ref)),
    }


def main():
    out = {
        "generator": "scripts/jieba_reference.py",
        "python": sys.version.split()[0],
        "jieba": jieba.__version__,
        "nltk": nltk.__version__,
        "cases": [],
    }
    for hyp, ref in CASES:
        hyp_words = list(jieba.cut(hyp))
        ref_words = list(jieba.cut(ref))
        if len(" ".join(hyp_words).split()) == 0 or len(" ".join(ref_words).split()) == 0:
            rouge = {"rouge-1": 0.0, "rouge-2": 0.0, "rouge-l": 0.0}
        else:
            rouge = rouge_scores(" ".join(hyp_words), " ".join(ref_words))
        bleu = sentence_bleu([list(ref)], list(hyp), smoothing_function=SmoothingFunction().method3)
        case = {"hyp": hyp, "ref": ref, "hyp_words": hyp_words, "ref_words": ref_words,
                "bleu-4": round(bleu * 100, 4)}
        case.update({k: round(v * 100, 4) for k, v in rouge.items()})
        out["cases"].append(case)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
