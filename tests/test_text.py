from qa.lang.text import MAX_QUESTION_CHARS, clean_question, detect_lang, normalize, sentences, tokens


def test_normalize_folds_width_and_script_but_keeps_chinese_punctuation() -> None:
    assert normalize("電動車　補貼  第１２条，ＡＢＣ") == "电动车 补贴 第12条，ABC"


def test_normalize_drops_control_characters() -> None:
    assert normalize("a\x00b\u200bc\x7f") == "a b c"


def test_clean_question_truncates_long_input_and_says_so() -> None:
    text, truncated = clean_question("车" * 100_000)
    assert truncated and len(text) == MAX_QUESTION_CHARS
    assert clean_question("增程式") == ("增程式", False)


def test_tokens_mix_words_bigrams_and_english_without_stopwords() -> None:
    toks = tokens("增程式的车算新能源车吗？ Do plug-in hybrids count")
    assert "新能源" in toks and "增程" in toks
    assert "的" not in toks and "do" not in toks
    assert {"plug", "hybrids", "count"} <= set(toks)


def test_sentences_split_after_chinese_terminators() -> None:
    text = "第一句，还有。第二句；第三句"
    assert [text[s:e] for s, e in sentences(text)] == ["第一句，还有。", "第二句；", "第三句"]


def test_detect_lang() -> None:
    assert detect_lang("NEV 补贴") == "zh"
    assert detect_lang("Do hybrids count?") == "en"
