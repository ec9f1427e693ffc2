package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/kb"
)

// The demo help centre: four categories and ten articles in each of the
// four languages (linked as translations), and one internal article.

var demoKBCategories = []struct {
	slug  string
	names map[string]string
}{
	{"orders", map[string]string{"en": "Orders and delivery", "fi": "Tilaukset ja toimitus", "vi": "Đơn hàng và giao hàng", "hi": "ऑर्डर और डिलीवरी"}},
	{"returns", map[string]string{"en": "Returns and refunds", "fi": "Palautukset ja hyvitykset", "vi": "Đổi trả và hoàn tiền", "hi": "वापसी और रिफ़ंड"}},
	{"account", map[string]string{"en": "Your account", "fi": "Tilisi", "vi": "Tài khoản của bạn", "hi": "आपका खाता"}},
	{"payments", map[string]string{"en": "Payments and invoices", "fi": "Maksut ja laskut", "vi": "Thanh toán và hóa đơn", "hi": "भुगतान और बिल"}},
}

type demoKBText struct{ title, tags, body string }

var demoKBArticles = []struct {
	category string
	internal bool
	texts    map[string]demoKBText
}{
	{"orders", false, map[string]demoKBText{
		"en": {"Track your parcel", "tracking, delivery, parcel",
			"When your order leaves our warehouse we email you a **tracking link**.\n\n" +
				"1. Open the order confirmation email.\n2. Choose *Track parcel*.\n3. The courier's page shows where the parcel is.\n\n" +
				"Tracking can take up to 24 hours to show the first scan. If nothing has moved for 5 business days, write to us with your order number."},
		"fi": {"Seuraa pakettiasi", "seuranta, toimitus, paketti",
			"Kun tilauksesi lähtee varastoltamme, lähetämme sinulle **seurantalinkin** sähköpostilla.\n\n" +
				"1. Avaa tilausvahvistus.\n2. Valitse *Seuraa pakettia*.\n3. Kuljetusyhtiön sivu näyttää, missä paketti on.\n\n" +
				"Ensimmäinen seurantatieto voi näkyä vasta 24 tunnin kuluttua. Jos paketti ei ole liikkunut viiteen arkipäivään, kirjoita meille ja kerro tilausnumerosi."},
		"vi": {"Theo dõi bưu kiện", "theo dõi, giao hàng, bưu kiện",
			"Khi đơn hàng rời kho, chúng tôi gửi cho bạn **liên kết theo dõi** qua email.\n\n" +
				"1. Mở email xác nhận đơn hàng.\n2. Chọn *Theo dõi bưu kiện*.\n3. Trang của đơn vị vận chuyển cho biết bưu kiện đang ở đâu.\n\n" +
				"Thông tin theo dõi đầu tiên có thể mất đến 24 giờ mới hiện. Nếu bưu kiện không di chuyển trong 5 ngày làm việc, hãy viết cho chúng tôi kèm mã đơn hàng."},
		"hi": {"अपने पार्सल को ट्रैक करें", "ट्रैकिंग, डिलीवरी, पार्सल",
			"जब आपका ऑर्डर हमारे गोदाम से निकलता है, हम आपको ईमेल से **ट्रैकिंग लिंक** भेजते हैं।\n\n" +
				"1. ऑर्डर की पुष्टि वाला ईमेल खोलें।\n2. *पार्सल ट्रैक करें* चुनें।\n3. कूरियर का पेज दिखाता है कि पार्सल कहाँ है।\n\n" +
				"पहली ट्रैकिंग जानकारी दिखने में 24 घंटे तक लग सकते हैं। अगर 5 कार्यदिवसों तक पार्सल आगे नहीं बढ़ा, तो अपने ऑर्डर नंबर के साथ हमें लिखें।"},
	}},
	{"orders", false, map[string]demoKBText{
		"en": {"Change the delivery address", "address, delivery, order",
			"You can change the address until the order is packed, usually within **2 hours** of ordering.\n\n" +
				"- Sign in, open *My orders* and choose *Change address*.\n- If the button is gone, the parcel is packed: ask the courier to redirect it from the tracking page."},
		"fi": {"Toimitusosoitteen muuttaminen", "osoite, toimitus, tilaus",
			"Voit muuttaa osoitetta, kunnes tilaus on pakattu, yleensä **kahden tunnin** kuluessa tilauksesta.\n\n" +
				"- Kirjaudu sisään, avaa *Tilaukseni* ja valitse *Muuta osoitetta*.\n- Jos painiketta ei enää ole, paketti on pakattu: pyydä kuljetusyhtiötä ohjaamaan se uuteen osoitteeseen seurantasivulta."},
		"vi": {"Đổi địa chỉ giao hàng", "địa chỉ, giao hàng, đơn hàng",
			"Bạn có thể đổi địa chỉ cho đến khi đơn hàng được đóng gói, thường trong vòng **2 giờ** sau khi đặt.\n\n" +
				"- Đăng nhập, mở *Đơn hàng của tôi* và chọn *Đổi địa chỉ*.\n- Nếu không còn nút này, bưu kiện đã được đóng gói: hãy yêu cầu đơn vị vận chuyển chuyển hướng từ trang theo dõi."},
		"hi": {"डिलीवरी का पता बदलें", "पता, डिलीवरी, ऑर्डर",
			"ऑर्डर पैक होने तक आप पता बदल सकते हैं, आम तौर पर ऑर्डर करने के **2 घंटे** के भीतर।\n\n" +
				"- साइन इन करें, *मेरे ऑर्डर* खोलें और *पता बदलें* चुनें।\n- अगर बटन नहीं दिखता, तो पार्सल पैक हो चुका है: ट्रैकिंग पेज से कूरियर को उसे नए पते पर भेजने को कहें।"},
	}},
	{"returns", false, map[string]demoKBText{
		"en": {"Return an item and get a refund", "returns, refund, label",
			"Returns are **free within 30 days** of delivery.\n\n1. Open *My orders* and choose *Return*.\n2. Print the return label and stick it on the box.\n" +
				"3. Drop the parcel at any pick-up point.\n\nThe refund goes back to your original payment method within **5 business days** of our receiving the item."},
		"fi": {"Tuotteen palautus ja hyvitys", "palautus, hyvitys, palautuslappu",
			"Palautus on **maksuton 30 päivän ajan** toimituksesta.\n\n1. Avaa *Tilaukseni* ja valitse *Palauta*.\n2. Tulosta palautuslappu ja kiinnitä se laatikkoon.\n" +
				"3. Jätä paketti mihin tahansa noutopisteeseen.\n\nHyvitys palautuu alkuperäiselle maksutavalle **viiden arkipäivän** kuluessa siitä, kun tuote on saapunut meille."},
		"vi": {"Trả hàng và nhận hoàn tiền", "trả hàng, hoàn tiền, nhãn",
			"Trả hàng **miễn phí trong 30 ngày** kể từ khi nhận hàng.\n\n1. Mở *Đơn hàng của tôi* và chọn *Trả hàng*.\n2. In nhãn trả hàng và dán lên hộp.\n" +
				"3. Gửi bưu kiện tại bất kỳ điểm nhận hàng nào.\n\nTiền được hoàn về phương thức thanh toán ban đầu trong vòng **5 ngày làm việc** sau khi chúng tôi nhận được hàng."},
		"hi": {"सामान वापस करें और रिफ़ंड पाएँ", "वापसी, रिफ़ंड, लेबल",
			"डिलीवरी के **30 दिनों के भीतर वापसी मुफ़्त** है।\n\n1. *मेरे ऑर्डर* खोलें और *वापस करें* चुनें।\n2. वापसी लेबल प्रिंट करके डिब्बे पर चिपकाएँ।\n" +
				"3. पार्सल किसी भी पिक-अप पॉइंट पर दे दें।\n\nसामान हमें मिलने के **5 कार्यदिवसों** के भीतर रिफ़ंड आपके मूल भुगतान माध्यम में लौट आता है।"},
	}},
	{"returns", false, map[string]demoKBText{
		"en": {"My parcel arrived damaged", "damaged, broken, parcel",
			"We are sorry! Please **take photos** of the box and the item before you throw anything away.\n\n" +
				"Then write to us through the help form with your order number and attach a photo. We send a replacement or refund you in full; you do not need to return a broken item."},
		"fi": {"Pakettini saapui vaurioituneena", "vaurio, rikki, paketti",
			"Olemme pahoillamme! **Ota kuvat** laatikosta ja tuotteesta ennen kuin heität mitään pois.\n\n" +
				"Kirjoita sitten meille yhteydenottolomakkeella, kerro tilausnumerosi ja liitä kuva. Lähetämme uuden tuotteen tai hyvitämme koko summan; rikkinäistä tuotetta ei tarvitse palauttaa."},
		"vi": {"Bưu kiện của tôi bị hư hỏng", "hư hỏng, vỡ, bưu kiện",
			"Chúng tôi rất tiếc! Hãy **chụp ảnh** hộp và sản phẩm trước khi vứt bỏ bất cứ thứ gì.\n\n" +
				"Sau đó viết cho chúng tôi qua biểu mẫu trợ giúp, kèm mã đơn hàng và một ảnh. Chúng tôi sẽ gửi hàng thay thế hoặc hoàn tiền đầy đủ; bạn không cần gửi trả món hàng bị vỡ."},
		"hi": {"मेरा पार्सल टूटा हुआ पहुँचा", "क्षतिग्रस्त, टूटा, पार्सल",
			"हमें खेद है! कुछ भी फेंकने से पहले डिब्बे और सामान की **तस्वीरें लें**।\n\n" +
				"फिर सहायता फ़ॉर्म से अपने ऑर्डर नंबर के साथ हमें लिखें और एक तस्वीर जोड़ें। हम नया सामान भेजेंगे या पूरा रिफ़ंड देंगे; टूटा सामान वापस भेजने की ज़रूरत नहीं है।"},
	}},
	{"account", false, map[string]demoKBText{
		"en": {"Reset your password", "password, sign in, account",
			"On the sign-in page choose **Forgot your password?** and enter your email address.\n\n" +
				"We email you a link that works for one hour. If the email does not arrive within 10 minutes, check your spam folder."},
		"fi": {"Salasanan palauttaminen", "salasana, kirjautuminen, tili",
			"Valitse kirjautumissivulla **Unohtuiko salasana?** ja anna sähköpostiosoitteesi.\n\n" +
				"Lähetämme sinulle linkin, joka toimii tunnin ajan. Jos viesti ei tule kymmenessä minuutissa, katso roskapostikansio."},
		"vi": {"Đặt lại mật khẩu", "mật khẩu, đăng nhập, tài khoản",
			"Trên trang đăng nhập, chọn **Quên mật khẩu?** và nhập địa chỉ email của bạn.\n\n" +
				"Chúng tôi gửi cho bạn một liên kết có hiệu lực trong một giờ. Nếu sau 10 phút vẫn chưa nhận được email, hãy kiểm tra thư mục thư rác."},
		"hi": {"अपना पासवर्ड रीसेट करें", "पासवर्ड, साइन इन, खाता",
			"साइन-इन पेज पर **पासवर्ड भूल गए?** चुनें और अपना ईमेल पता दर्ज करें।\n\n" +
				"हम आपको एक लिंक ईमेल करते हैं जो एक घंटे तक काम करता है। अगर 10 मिनट में ईमेल न आए, तो अपना स्पैम फ़ोल्डर देखें।"},
	}},
	{"orders", false, map[string]demoKBText{
		"en": {"Delivery times and shipping costs", "delivery, shipping, cost",
			"Orders placed on a business day before **14:00** leave our warehouse the same day.\n\n" +
				"| Delivery | Time | Cost |\n|---|---|---|\n| Pick-up point | 1–3 business days | 4.90 EUR |\n| Home delivery | 1–2 business days | 8.90 EUR |\n\n" +
				"Shipping is **free for orders over 50 EUR**. Deliveries abroad take 3–7 business days."},
		"fi": {"Toimitusajat ja toimituskulut", "toimitus, toimitusaika, toimituskulut",
			"Arkipäivänä ennen **klo 14** tehdyt tilaukset lähtevät varastoltamme samana päivänä.\n\n" +
				"| Toimitus | Aika | Hinta |\n|---|---|---|\n| Noutopiste | 1–3 arkipäivää | 4,90 € |\n| Kotiinkuljetus | 1–2 arkipäivää | 8,90 € |\n\n" +
				"Toimitus on **maksuton yli 50 euron tilauksille**. Ulkomaille toimitus kestää 3–7 arkipäivää."},
		"vi": {"Thời gian và phí giao hàng", "giao hàng, thời gian, phí vận chuyển",
			"Đơn hàng đặt vào ngày làm việc trước **14:00** sẽ rời kho ngay trong ngày.\n\n" +
				"| Hình thức | Thời gian | Phí |\n|---|---|---|\n| Điểm nhận hàng | 1–3 ngày làm việc | 4,90 EUR |\n| Giao tận nhà | 1–2 ngày làm việc | 8,90 EUR |\n\n" +
				"**Miễn phí vận chuyển cho đơn hàng trên 50 EUR**. Giao hàng ra nước ngoài mất 3–7 ngày làm việc."},
		"hi": {"डिलीवरी का समय और शिपिंग शुल्क", "डिलीवरी, शिपिंग, शुल्क",
			"कार्यदिवस में **दोपहर 2 बजे** से पहले दिए गए ऑर्डर उसी दिन हमारे गोदाम से निकल जाते हैं।\n\n" +
				"| डिलीवरी | समय | शुल्क |\n|---|---|---|\n| पिक-अप पॉइंट | 1–3 कार्यदिवस | 4.90 EUR |\n| घर पर डिलीवरी | 1–2 कार्यदिवस | 8.90 EUR |\n\n" +
				"**50 EUR से अधिक के ऑर्डर पर शिपिंग मुफ़्त** है। विदेश में डिलीवरी में 3–7 कार्यदिवस लगते हैं।"},
	}},
	{"orders", false, map[string]demoKBText{
		"en": {"Cancel an order", "cancel, order, refund",
			"You can cancel an order until it is packed.\n\n1. Sign in and open *My orders*.\n2. Choose the order and press *Cancel order*.\n\n" +
				"The money is returned to your payment method within **3 business days**. If the order has already left, you can refuse the parcel or return it for free."},
		"fi": {"Tilauksen peruminen", "peruutus, tilaus, hyvitys",
			"Voit perua tilauksen, kunnes se on pakattu.\n\n1. Kirjaudu sisään ja avaa *Tilaukseni*.\n2. Valitse tilaus ja paina *Peru tilaus*.\n\n" +
				"Rahat palautetaan maksutavallesi **kolmen arkipäivän** kuluessa. Jos tilaus on jo lähtenyt, voit jättää paketin lunastamatta tai palauttaa sen maksutta."},
		"vi": {"Hủy đơn hàng", "hủy, đơn hàng, hoàn tiền",
			"Bạn có thể hủy đơn hàng cho đến khi đơn được đóng gói.\n\n1. Đăng nhập và mở *Đơn hàng của tôi*.\n2. Chọn đơn hàng và nhấn *Hủy đơn hàng*.\n\n" +
				"Tiền được hoàn về phương thức thanh toán của bạn trong vòng **3 ngày làm việc**. Nếu đơn hàng đã được gửi đi, bạn có thể từ chối nhận bưu kiện hoặc trả hàng miễn phí."},
		"hi": {"ऑर्डर रद्द करें", "रद्द, ऑर्डर, रिफ़ंड",
			"ऑर्डर पैक होने तक आप उसे रद्द कर सकते हैं।\n\n1. साइन इन करें और *मेरे ऑर्डर* खोलें।\n2. ऑर्डर चुनें और *ऑर्डर रद्द करें* दबाएँ।\n\n" +
				"पैसा **3 कार्यदिवसों** के भीतर आपके भुगतान माध्यम में लौट आता है। अगर ऑर्डर निकल चुका है, तो आप पार्सल लेने से मना कर सकते हैं या उसे मुफ़्त में वापस कर सकते हैं।"},
	}},
	{"returns", false, map[string]demoKBText{
		"en": {"Exchange an item for another size", "exchange, size, returns",
			"Need a different size or colour? Order the new item first, so it does not sell out, then **return the first one** for a refund.\n\n" +
				"The return is free within 30 days, and the refund arrives within 5 business days of our receiving the item."},
		"fi": {"Tuotteen vaihtaminen toiseen kokoon", "vaihto, koko, palautus",
			"Tarvitsetko toisen koon tai värin? Tilaa uusi tuote ensin, ettei se ehdi loppua, ja **palauta sitten ensimmäinen** hyvitystä vastaan.\n\n" +
				"Palautus on maksuton 30 päivän ajan, ja hyvitys tulee viiden arkipäivän kuluessa siitä, kun tuote on saapunut meille."},
		"vi": {"Đổi sản phẩm sang cỡ khác", "đổi hàng, kích cỡ, trả hàng",
			"Bạn cần cỡ hoặc màu khác? Hãy đặt sản phẩm mới trước để không bị hết hàng, sau đó **trả lại sản phẩm đầu tiên** để được hoàn tiền.\n\n" +
				"Trả hàng miễn phí trong 30 ngày, và tiền hoàn về trong vòng 5 ngày làm việc sau khi chúng tôi nhận được hàng."},
		"hi": {"सामान को दूसरे साइज़ से बदलें", "बदलाव, साइज़, रंग",
			"दूसरा साइज़ या रंग चाहिए? पहले नया सामान ऑर्डर करें ताकि वह ख़त्म न हो जाए, फिर **पहला सामान लौटा दें**।\n\n" +
				"30 दिनों के भीतर लौटाना मुफ़्त है, और पहला सामान हमें मिलने के 5 कार्यदिवसों के भीतर उसका पैसा आपके खाते में आ जाता है।"},
	}},
	{"payments", false, map[string]demoKBText{
		"en": {"Payment methods we accept", "payment, card, invoice",
			"You can pay with:\n\n- **Visa** and **Mastercard** debit and credit cards\n- online banking\n- MobilePay\n- an invoice payable within 14 days (for orders up to 500 EUR)\n\n" +
				"Your card is charged only when the order leaves our warehouse."},
		"fi": {"Hyväksytyt maksutavat", "maksu, kortti, lasku",
			"Voit maksaa:\n\n- **Visa**- ja **Mastercard**-debit- ja luottokorteilla\n- verkkopankissa\n- MobilePaylla\n- laskulla, jonka maksuaika on 14 päivää (enintään 500 euron tilaukset)\n\n" +
				"Korttiasi veloitetaan vasta, kun tilaus lähtee varastoltamme."},
		"vi": {"Các phương thức thanh toán", "thanh toán, thẻ, hóa đơn",
			"Bạn có thể thanh toán bằng:\n\n- thẻ ghi nợ và thẻ tín dụng **Visa**, **Mastercard**\n- ngân hàng trực tuyến\n- MobilePay\n- hóa đơn thanh toán trong 14 ngày (cho đơn hàng đến 500 EUR)\n\n" +
				"Thẻ của bạn chỉ bị trừ tiền khi đơn hàng rời kho của chúng tôi."},
		"hi": {"भुगतान के तरीके", "भुगतान, कार्ड, बिल",
			"आप इनसे भुगतान कर सकते हैं:\n\n- **Visa** और **Mastercard** डेबिट व क्रेडिट कार्ड\n- ऑनलाइन बैंकिंग\n- MobilePay\n- 14 दिनों में देय बिल (500 EUR तक के ऑर्डर के लिए)\n\n" +
				"आपके कार्ड से पैसा तभी कटता है जब ऑर्डर हमारे गोदाम से निकलता है।"},
	}},
	{"payments", false, map[string]demoKBText{
		"en": {"Get a copy of your invoice", "invoice, receipt, vat",
			"Every order has a receipt with VAT.\n\n1. Sign in and open *My orders*.\n2. Choose the order and press **Download invoice** (PDF).\n\n" +
				"Need the company name or VAT number on it? Write to us with the order number before the order is 30 days old."},
		"fi": {"Laskun kopion saaminen", "lasku, kuitti, alv",
			"Jokaisesta tilauksesta saat kuitin, jossa arvonlisävero näkyy.\n\n1. Kirjaudu sisään ja avaa *Tilaukseni*.\n2. Valitse tilaus ja paina **Lataa lasku** (PDF).\n\n" +
				"Tarvitsetko laskuun yrityksen nimen tai Y-tunnuksen? Kirjoita meille tilausnumeron kera 30 päivän kuluessa tilauksesta."},
		"vi": {"Lấy bản sao hóa đơn", "hóa đơn, biên nhận, thuế",
			"Mỗi đơn hàng đều có biên nhận kèm thuế VAT.\n\n1. Đăng nhập và mở *Đơn hàng của tôi*.\n2. Chọn đơn hàng và nhấn **Tải hóa đơn** (PDF).\n\n" +
				"Cần ghi tên công ty hoặc mã số thuế trên hóa đơn? Hãy viết cho chúng tôi kèm mã đơn hàng trong vòng 30 ngày kể từ khi đặt."},
		"hi": {"अपने बिल की कॉपी पाएँ", "बिल, रसीद, जीएसटी",
			"हर ऑर्डर की टैक्स सहित रसीद होती है।\n\n1. साइन इन करें और *मेरे ऑर्डर* खोलें।\n2. ऑर्डर चुनें और **बिल डाउनलोड करें** (PDF) दबाएँ।\n\n" +
				"बिल पर कंपनी का नाम या टैक्स नंबर चाहिए? ऑर्डर के 30 दिनों के भीतर ऑर्डर नंबर के साथ हमें लिखें।"},
	}},
	{"returns", true, map[string]demoKBText{
		"en": {"Refund approval limits (staff)", "refund, approval, internal",
			"Reps may refund up to **100 EUR** on their own. Above that, escalate to a supervisor with the order number and photos.\n\n" +
				"Refunds over 500 EUR also need the finance team's approval."},
	}},
}

// LoadKB loads the demo help centre: the categories and articles the desk
// lacks (an article is known by its English title), so a desk loaded by an
// older demo gets the newer articles and a second run changes nothing.
func LoadKB(ctx context.Context, db *pgxpool.Pool) error {
	var supID int64
	if err := db.QueryRow(ctx, `SELECT coalesce((SELECT id FROM users WHERE email = $1), 0)`, supervisorEmail).Scan(&supID); err != nil || supID == 0 {
		return err
	}
	st := kb.NewStore(db, time.Now)
	have, err := st.Categories(ctx)
	if err != nil {
		return err
	}
	cats := map[string]int64{}
	for _, c := range have {
		cats[c.Slug] = c.ID
	}
	for _, c := range demoKBCategories {
		if cats[c.slug] != 0 {
			continue
		}
		cat, err := st.CreateCategory(ctx, supID, c.slug, c.names)
		if err != nil {
			return fmt.Errorf("demo kb category %s: %w", c.slug, err)
		}
		cats[c.slug] = cat.ID
	}
	for _, a := range demoKBArticles {
		var there bool
		if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM kb_translations WHERE locale = 'en' AND title = $1)`,
			a.texts["en"].title).Scan(&there); err != nil || there {
			if err != nil {
				return fmt.Errorf("demo kb article %q: %w", a.texts["en"].title, err)
			}
			continue
		}
		var articleID int64
		for _, lang := range []string{"en", "fi", "vi", "hi"} {
			txt, ok := a.texts[lang]
			if !ok {
				continue
			}
			t, err := st.Save(ctx, supID, 0, kb.Draft{ArticleID: articleID, CategoryID: cats[a.category], Internal: a.internal,
				Locale: lang, Title: txt.title, Body: txt.body, Tags: txt.tags, Status: kb.StatusPublished})
			if err != nil {
				return fmt.Errorf("demo kb article %q: %w", txt.title, err)
			}
			articleID = t.ArticleID
		}
	}
	return nil
}
