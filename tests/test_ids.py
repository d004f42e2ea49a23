"""Every ID form a researcher may paste normalizes to one canonical form."""

from __future__ import annotations

import pytest

from harvest.ids import (IdError, arxiv_from_doi, normalize_arxiv, normalize_doi, normalize_openreview, normalize_s2,
                         split_arxiv_version)


@pytest.mark.parametrize("written, canonical, version", [
    ("2005.05650", "2005.05650", None),
    ("2005.05650v2", "2005.05650", 2),
    ("arXiv:2005.05650", "2005.05650", None),
    ("https://arxiv.org/abs/2005.05650v2", "2005.05650", 2),
    ("https://arxiv.org/pdf/2005.05650", "2005.05650", None),
    ("https://arxiv.org/pdf/2005.05650v1.pdf", "2005.05650", 1),
    ("arxiv.org/abs/1909.03879", "1909.03879", None),
    ("10.48550/arXiv.2005.05650", "2005.05650", None),
    ("https://doi.org/10.48550/ARXIV.2005.05650", "2005.05650", None),
    ("math/0211159", "math/0211159", None),
    ("hep-th/9711200v3", "hep-th/9711200", 3),
    ("math.GT/0309136", "math.GT/0309136", None),
    ("0704.0001", "0704.0001", None),
])
def test_arxiv_forms(written, canonical, version):
    assert split_arxiv_version(written) == (canonical, version)


@pytest.mark.parametrize("bad", ["abc", "https://arxiv.org/list/cs.LG/recent", "12345.678"])
def test_arxiv_rejects_with_the_accepted_forms(bad):
    with pytest.raises(IdError, match="accepted forms"):
        normalize_arxiv(bad)


@pytest.mark.parametrize("bad, reason", [("2005.0565", "5 digits after the dot"), ("0805.12345", "earlier ones 4"),
                                         ("2013.00001", "13 is not a month")])
def test_arxiv_digit_count_follows_the_date(bad, reason):
    with pytest.raises(IdError, match=reason):
        normalize_arxiv(bad)


@pytest.mark.parametrize("written", ["10.1007/S11263-022-01688-4", "doi:10.1007/s11263-022-01688-4",
                                     "https://doi.org/10.1007/s11263-022-01688-4", "http://dx.doi.org/10.1007/s11263-022-01688-4"])
def test_doi_forms(written):
    assert normalize_doi(written) == "10.1007/s11263-022-01688-4"


def test_arxiv_doi_is_not_a_doi():
    with pytest.raises(IdError, match='arxiv = "2005.05650"'):
        normalize_doi("10.48550/arXiv.2005.05650")
    assert arxiv_from_doi("10.48550/arxiv.2312.07559") == "2312.07559"
    assert arxiv_from_doi("10.1007/s11263-022-01688-4") is None


@pytest.mark.parametrize("written", ["MeB86edZ1P", "https://openreview.net/forum?id=MeB86edZ1P",
                                     "openreview.net/pdf?id=MeB86edZ1P", "https://openreview.net/forum?id=MeB86edZ1P&noteId=x"])
def test_openreview_forms(written):
    assert normalize_openreview(written) == "MeB86edZ1P"


def test_openreview_url_without_id():
    with pytest.raises(IdError, match=r"without \?id="):
        normalize_openreview("https://openreview.net/group?gid=ICLR.cc")


@pytest.mark.parametrize("written, canonical", [
    ("649DEF34F8BE52C8B66281AF98AE884C09AEF38B", "649def34f8be52c8b66281af98ae884c09aef38b"),
    ("CorpusId:215416146", "CorpusId:215416146"),
    ("corpusid: 215416146", "CorpusId:215416146"),
    ("https://www.semanticscholar.org/paper/Attention-is-All-you-Need-Vaswani/204e3073870fae3d05bcbc2f6a8e263d9b72e776",
     "204e3073870fae3d05bcbc2f6a8e263d9b72e776"),
])
def test_s2_forms(written, canonical):
    assert normalize_s2(written) == canonical
