# ruff: noqa: RUF001 -- full-width characters are the point of these tests
import pytest

from crm.normalize import name_bucket, name_key, name_similarity, phone_digits
from crm.selectors.dedup import customer_find_duplicates

from .factories import CustomerFactory


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京远航科技有限公司", "北京远航科技股份有限公司"),
        ("北京远航科技有限公司", "北京远航科技集团"),
        ("ＡＢＣ Trading Co., Ltd.", "abc trading inc"),
        ("Acme Corp", "ACME Corporation"),
        ("深圳腾达（集团）有限公司", "深圳腾达有限公司"),
    ],
)
def test_name_key_folds_suffix_width_and_case(a, b):
    assert name_key(a) == name_key(b)


def test_phone_digits_only_without_country_code():
    assert phone_digits("+86 138-1234-5678") == phone_digits("13812345678") == "13812345678"
    assert phone_digits("１３８ １２３４ ５６７８") == "13812345678"
    assert phone_digits("12-3") == ""


def test_region_prefix_does_not_split_buckets():
    assert name_bucket("北京华远电子有限公司") == name_bucket("华远电子股份有限公司") == "华远"


def test_exact_duplicates_by_each_key(org):
    # given customers with distinct names but a shared phone / email / tax id
    CustomerFactory(name="甲公司", phone="010-88886666")
    CustomerFactory(name="乙公司", email="Sales@Yi.CN")
    CustomerFactory(name="丙公司", tax_id="91110000-MA01 ABCD")
    # then each key finds its card
    assert customer_find_duplicates(name="丁", phone="(010) 8888 6666")[0].reasons == ["phone"]
    assert customer_find_duplicates(name="丁", email="sales@yi.cn ")[0].reasons == ["email"]
    assert customer_find_duplicates(name="丁", tax_id="91110000ma01abcd")[0].reasons == ["tax_id"]


def test_fuzzy_match_inside_the_bucket_only(org):
    # given a customer, and an unrelated one in another bucket
    CustomerFactory(name="上海华远精密电子科技有限公司")
    CustomerFactory(name="广州白云山制药有限公司")
    CustomerFactory(name="华远物流有限公司")  # same bucket, a different company
    # when a one-character typo of the first is checked (without the city, another suffix)
    matches = customer_find_duplicates(name="华远精蜜电子科技股份有限公司")
    # then it is found as similar, the others are not offered
    assert [m.name for m in matches] == ["上海华远精密电子科技有限公司"]
    assert matches[0].reasons == ["similar_name"] and 0.8 <= matches[0].score < 1
    assert customer_find_duplicates(name="完全不同的名字有限公司") == []


def test_fuzzy_check_runs_a_bounded_number_of_queries(org, django_assert_max_num_queries):
    for i in range(30):
        CustomerFactory(name=f"华远测试{i}号有限公司")
    with django_assert_max_num_queries(2):
        customer_find_duplicates(name="华远测试1号有限公司", phone="13800000000")


def test_landline_in_national_and_international_form():
    assert (
        phone_digits("+86 10 8888 6666") == phone_digits("010-88886666") == phone_digits("0086 (10) 88886666")
    )


def test_generic_trade_words_do_not_make_names_similar():
    assert name_similarity(name_key("Kulezeku Trading Co., Ltd."), name_key("Kulecepi Trading Ltd.")) < 0.8
    assert name_similarity(name_key("北京华远科技有限公司"), name_key("华远科技股份有限公司")) == 1.0
