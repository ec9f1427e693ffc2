package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/kb"
)

// The demo help centre: three categories and five articles in each of the
// four languages (linked as translations), and one internal article.

var demoKBCategories = []struct {
	slug  string
	names map[string]string
}{
	{"orders", map[string]string{"en": "Orders and delivery", "fi": "Tilaukset ja toimitus", "vi": "Đơn hàng và giao hàng", "hi": "ऑर्डर और डिलीवरी"}},
	{"returns", map[string]string{"en": "Returns and refunds", "fi": "Palautukset ja hyvitykset", "vi": "Đổi trả và hoàn tiền", "hi": "वापसी और रिफ़ंड"}},
	{"account", map[string]string{"en": "Your account", "fi": "Tilisi", "vi": "Tài khoản của bạn", "hi": "आपका खाता"}},
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
	{"returns", true, map[string]demoKBText{
		"en": {"Refund approval limits (staff)", "refund, approval, internal",
			"Reps may refund up to **100 EUR** on their own. Above that, escalate to a supervisor with the order number and photos.\n\n" +
				"Refunds over 500 EUR also need the finance team's approval."},
	}},
}

// LoadKB loads the demo help centre once: nothing happens when the desk has
// articles already.
func LoadKB(ctx context.Context, db *pgxpool.Pool) error {
	var done bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM kb_translations)`).Scan(&done); err != nil || done {
		return err
	}
	var supID int64
	if err := db.QueryRow(ctx, `SELECT coalesce((SELECT id FROM users WHERE email = $1), 0)`, supervisorEmail).Scan(&supID); err != nil || supID == 0 {
		return err
	}
	st := kb.NewStore(db, time.Now)
	cats := map[string]int64{}
	for _, c := range demoKBCategories {
		cat, err := st.CreateCategory(ctx, supID, c.slug, c.names)
		if err != nil {
			return fmt.Errorf("demo kb category %s: %w", c.slug, err)
		}
		cats[c.slug] = cat.ID
	}
	for _, a := range demoKBArticles {
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
