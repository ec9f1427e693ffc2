package main

import "strings"

// The bench's text comes from these phrase books, one per language the desk
// speaks. Every template is a sentence of space-separated chunks; {ref},
// {n} and {product} are slots. Slots stand alone (never glued to
// punctuation), so the search vector of a text can be composed from the
// lexemes of its chunks (see lexemes.go).

// phrases is one language's phrase book.
type phrases struct {
	lang      string
	subjects  []string // ticket subjects
	customer  []string // customer sentences (first message and follow-ups)
	staff     []string // staff reply sentences
	products  []string
	firstName []string
	lastName  []string
	emailTLD  string
	phoneCC   string
}

// internalNotes are staff-only notes, in the desk's working language.
var internalNotes = []string{
	"Checked with the warehouse, parcel {ref} left on time.",
	"Customer called twice about this, please prioritise.",
	"Refund approved by billing, amount {n} EUR.",
	"Escalate if the courier has not answered by Friday.",
	"Order {ref} has a duplicate ticket, merged the notes.",
	"Sent a replacement {product} with express delivery.",
	"Courier investigation {n} is still open.",
	"Password reset link sent, customer confirmed by phone.",
	"Looks like a known issue with the payment provider.",
	"Asked the store manager to call the customer back.",
	"Warranty is valid until next spring, approved the repair.",
	"Customer is a long time member, be generous.",
}

// The books are long enough that a given word turns up in a realistic share
// of tickets: the search scenarios' terms are in roughly one ticket of ten.
var phraseBooks = []phrases{
	{
		lang: "en",
		subjects: []string{
			"Order {ref} has not arrived",
			"Delivery delayed by {n} days",
			"Refund request for broken {product}",
			"Cannot log in to my account",
			"Invoice {n} charged twice",
			"Wrong size {product} received",
			"Change of delivery address",
			"Payment failed at checkout",
			"Damaged {product} in the package",
			"Where is my order {ref}",
			"Discount code does not work",
			"Missing item in order {ref}",
			"How do I return a {product}",
			"Question about the warranty of my {product}",
			"Cancel my subscription please",
			"Password reset email never came",
			"Store opening hours at Christmas",
			"Colour of the {product} is different from the picture",
			"Gift card balance is wrong",
			"Complaint about the courier",
		},
		customer: []string{
			"Hello, I ordered a {product} two weeks ago and it has still not arrived.",
			"The tracking page shows no updates since Monday.",
			"I would like a refund as soon as possible.",
			"The {product} was broken when I opened the box.",
			"My order number is {ref} if that helps.",
			"Thanks in advance for your help.",
			"I have been charged twice for the same order.",
			"Can you please tell me when the parcel will arrive?",
			"This is the third time I contact you about this.",
			"The courier left the parcel at the wrong address.",
			"I cannot log in even after resetting my password.",
			"The size chart on your website seems to be wrong.",
			"My gift card shows a balance of {n} euros less than it should.",
			"I moved last week, so please use my new address.",
			"The discount code from your newsletter is rejected at checkout.",
			"Is the {product} covered by the warranty?",
			"I would like to cancel the order before it ships.",
			"Your chat assistant could not help me with this.",
			"Please call me back, I am at home all afternoon.",
			"I have attached a photo of the label.",
			"The colour looks nothing like the picture on your site.",
			"Could you send me a copy of the invoice?",
			"Best regards and have a nice day.",
			"I am quite disappointed with the service so far.",
		},
		staff: []string{
			"Hi, sorry for the delay and thanks for your patience.",
			"I have forwarded your case to our courier partner.",
			"Your order {ref} will be delivered within {n} working days.",
			"The money will be returned to your card within a few days.",
			"Could you send us a photo of the damaged item?",
			"I have sent you a replacement {product} today.",
			"We have updated the delivery address on your order.",
			"Please let us know if there is anything else we can do.",
			"I have reset your account, please try to log in again.",
			"The discount code has been applied to your order manually.",
			"Your warranty covers this, so the repair is free of charge.",
			"I have cancelled the order and you will not be charged.",
			"You can return the item in any of our stores.",
			"A copy of the invoice is on its way to your email.",
			"We are sorry that the colour was not what you expected.",
			"I have added {n} euros to your gift card.",
			"Our courier will contact you to agree on a new time.",
			"Thank you for your feedback, I have shared it with the team.",
			"Kind regards from the customer service team.",
			"Your case number is {n} should you need to contact us again.",
		},
		products:  []string{"jacket", "laptop bag", "coffee maker", "headphones", "running shoes", "phone case", "desk lamp", "backpack", "blender", "winter boots"},
		firstName: []string{"James", "Mary", "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Sophia", "Mason", "Grace", "Oliver", "Chloe", "Henry"},
		lastName:  []string{"Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Clarke", "Walker", "Wright", "Hughes", "Green"},
		emailTLD:  "co.uk",
		phoneCC:   "44",
	},
	{
		lang: "fi",
		subjects: []string{
			"Tilaus {ref} ei ole saapunut",
			"Toimitus on myöhässä {n} päivää",
			"Hyvityspyyntö, {product} rikki",
			"En pääse kirjautumaan tililleni",
			"Lasku {n} veloitettiin kahdesti",
			"Väärä koko, {product}",
			"Toimitusosoitteen muutos",
			"Maksu epäonnistui kassalla",
			"Missä tilaukseni {ref} on?",
			"Alennuskoodi ei toimi",
			"Takuukysymys, {product}",
			"Tilauksen peruutus",
			"Salasanan vaihto ei onnistu",
			"Lahjakortin saldo väärin",
			"Palaute kuljettajasta",
		},
		customer: []string{
			"Hei, tilasin {product} kaksi viikkoa sitten mutta paketti ei ole vielä tullut.",
			"Seurantasivu ei näytä mitään tietoja maanantain jälkeen.",
			"Haluaisin hyvityksen mahdollisimman pian.",
			"Tuote oli rikki kun avasin pakkauksen.",
			"Tilausnumeroni on {ref} jos siitä on apua.",
			"Kiitos avusta jo etukäteen.",
			"Minulta veloitettiin kahdesti samasta tilauksesta.",
			"Milloin paketti mahtaa saapua?",
			"Kuljettaja jätti paketin väärään osoitteeseen.",
			"En pääse kirjautumaan vaikka vaihdoin salasanan.",
			"Kokotaulukko verkkosivuillanne näyttää olevan väärin.",
			"Muutin viime viikolla, käyttäkää uutta osoitettani.",
			"Alennuskoodi ei kelpaa kassalla.",
			"Kuuluuko {product} takuun piiriin?",
			"Haluaisin perua tilauksen ennen lähetystä.",
			"Soittakaa minulle, olen kotona koko iltapäivän.",
			"Liitin kuvan osoitelapusta.",
			"Voisitteko lähettää kopion laskusta?",
			"Ystävällisin terveisin.",
			"Olen aika pettynyt palveluun tähän mennessä.",
		},
		staff: []string{
			"Hei, pahoittelemme viivästystä ja kiitos kärsivällisyydestäsi.",
			"Olemme välittäneet asian kuljetusliikkeelle.",
			"Tilauksesi {ref} toimitetaan {n} arkipäivän kuluessa.",
			"Hyvitys on käsitelty ja näkyy tililläsi muutaman päivän kuluttua.",
			"Voisitko lähettää kuvan vaurioituneesta tuotteesta?",
			"Lähetimme sinulle tänään uuden tuotteen.",
			"Kerrothan jos voimme auttaa vielä jossain muussa.",
			"Nollasin tilisi, kokeile kirjautua uudelleen.",
			"Lisäsimme alennuksen tilaukseesi käsin.",
			"Takuu kattaa tämän, joten korjaus on maksuton.",
			"Peruin tilauksen eikä sinua veloiteta.",
			"Voit palauttaa tuotteen missä tahansa myymälässämme.",
			"Kopio laskusta on matkalla sähköpostiisi.",
			"Kuljettaja ottaa sinuun yhteyttä uuden ajan sopimiseksi.",
			"Kiitos palautteestasi, välitin sen tiimille.",
			"Ystävällisin terveisin asiakaspalvelu.",
		},
		products:  []string{"takki", "kahvinkeitin", "kuulokkeet", "juoksukengät", "reppu", "pöytävalaisin", "tehosekoitin", "talvisaappaat"},
		firstName: []string{"Matti", "Aino", "Juha", "Liisa", "Mikko", "Sanna", "Jukka", "Päivi", "Eero", "Elina", "Väinö", "Kärt"},
		lastName:  []string{"Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Järvinen", "Lehtonen"},
		emailTLD:  "fi",
		phoneCC:   "358",
	},
	{
		lang: "vi",
		subjects: []string{
			"Đơn hàng {ref} chưa nhận được",
			"Giao hàng bị chậm {n} ngày",
			"Yêu cầu hoàn tiền cho {product} bị hỏng",
			"Không đăng nhập được vào tài khoản",
			"Hóa đơn {n} bị tính tiền hai lần",
			"Nhận sai kích cỡ {product}",
			"Muốn đổi địa chỉ nhận",
			"Thanh toán không thành công",
			"Đơn hàng {ref} đang ở đâu?",
			"Mã giảm giá không dùng được",
			"Hỏi về bảo hành {product}",
			"Muốn hủy đơn",
			"Không nhận được email đặt lại mật khẩu",
			"Số dư thẻ quà tặng bị sai",
			"Phàn nàn về nhân viên",
		},
		customer: []string{
			"Xin chào, tôi đã đặt {product} hai tuần trước nhưng đến nay vẫn chưa nhận được.",
			"Nhân viên giao hàng không liên lạc với tôi.",
			"Tôi muốn được hoàn tiền càng sớm càng tốt.",
			"Sản phẩm bị vỡ khi tôi mở hộp.",
			"Mã đơn của tôi là {ref} nếu cần.",
			"Cảm ơn anh chị rất nhiều.",
			"Tôi bị trừ tiền hai lần cho cùng một đơn.",
			"Khi nào thì tôi nhận được?",
			"Tôi không đăng nhập được dù đã đổi mật khẩu.",
			"Bảng kích cỡ trên trang web có vẻ bị sai.",
			"Tuần trước tôi đã chuyển nhà, vui lòng dùng địa chỉ mới.",
			"Mã giảm giá trong bản tin bị từ chối khi thanh toán.",
			"Sản phẩm {product} có được bảo hành không?",
			"Tôi muốn hủy trước khi gửi đi.",
			"Vui lòng gọi lại cho tôi, chiều nay tôi ở nhà.",
			"Tôi đã gửi kèm ảnh nhãn dán.",
			"Màu sắc không giống như hình trên trang web.",
			"Anh chị có thể gửi cho tôi bản sao hóa đơn không?",
			"Trân trọng.",
			"Tôi khá thất vọng với dịch vụ cho đến nay.",
		},
		staff: []string{
			"Chào quý khách, chúng tôi rất tiếc về sự bất tiện này.",
			"Chúng tôi đã chuyển yêu cầu của quý khách cho bộ phận giao hàng.",
			"Đơn {ref} sẽ đến trong {n} ngày làm việc.",
			"Chúng tôi đã hoàn tiền vào tài khoản của quý khách.",
			"Quý khách vui lòng gửi ảnh sản phẩm bị hỏng.",
			"Chúng tôi đã gửi cho quý khách một {product} mới.",
			"Nếu cần hỗ trợ thêm, quý khách vui lòng cho chúng tôi biết.",
			"Chúng tôi đã đặt lại tài khoản, quý khách vui lòng đăng nhập lại.",
			"Mã giảm giá đã được áp dụng cho đơn của quý khách.",
			"Sản phẩm còn bảo hành nên việc sửa chữa miễn phí.",
			"Chúng tôi đã hủy đơn và quý khách sẽ không bị trừ tiền.",
			"Quý khách có thể đổi trả tại bất kỳ cửa hàng nào.",
			"Bản sao hóa đơn đã được gửi vào email của quý khách.",
			"Cảm ơn góp ý của quý khách, chúng tôi đã chuyển cho nhóm.",
			"Trân trọng, bộ phận chăm sóc khách hàng.",
		},
		products:  []string{"áo khoác", "nồi cơm điện", "tai nghe", "giày chạy bộ", "ba lô", "đèn bàn", "máy xay sinh tố", "ốp điện thoại"},
		firstName: []string{"An", "Bình", "Châu", "Dũng", "Hà", "Hương", "Lan", "Linh", "Long", "Mai", "Nam", "Phương", "Quang", "Thảo", "Trang", "Tuấn"},
		lastName:  []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"},
		emailTLD:  "vn",
		phoneCC:   "84",
	},
	{
		lang: "hi",
		subjects: []string{
			"ऑर्डर {ref} अभी तक नहीं पहुंचा",
			"डिलीवरी में {n} दिन की देरी",
			"टूटे हुए {product} के लिए रिफंड चाहिए",
			"खाते में लॉगिन नहीं हो रहा",
			"बिल {n} दो बार कटा",
			"गलत साइज़ का {product} मिला",
			"भुगतान असफल रहा",
			"डिलीवरी का पता बदलना है",
			"{product} की वारंटी के बारे में सवाल",
			"ऑर्डर रद्द करना है",
			"गिफ्ट कार्ड का बैलेंस गलत है",
			"कूरियर की शिकायत",
		},
		customer: []string{
			"नमस्ते, मैंने ऑर्डर {ref} दो हफ्ते पहले किया था लेकिन अभी तक नहीं मिला।",
			"कृपया जल्द से जल्द रिफंड करें।",
			"डिब्बा खोलने पर उत्पाद टूटा हुआ था।",
			"कूरियर ने मुझसे संपर्क नहीं किया।",
			"एक ही ऑर्डर के लिए मुझसे दो बार पैसे काटे गए।",
			"धन्यवाद।",
			"डिलीवरी कब तक होगी?",
			"पासवर्ड बदलने के बाद भी मैं लॉगिन नहीं कर पा रहा हूं।",
			"मैंने पिछले हफ्ते घर बदला है, कृपया नया पता इस्तेमाल करें।",
			"क्या {product} वारंटी में आता है?",
			"कृपया मुझे वापस कॉल करें।",
			"रंग वेबसाइट की तस्वीर जैसा बिल्कुल नहीं है।",
			"क्या आप मुझे बिल की कॉपी भेज सकते हैं?",
			"मैं अब तक की सेवा से काफी निराश हूं।",
		},
		staff: []string{
			"नमस्ते, देरी के लिए हमें खेद है।",
			"आपका ऑर्डर {ref} {n} दिनों में पहुंच जाएगा।",
			"रिफंड की प्रक्रिया शुरू कर दी गई है।",
			"कृपया टूटे हुए उत्पाद की फोटो भेजें।",
			"हमने आपका मामला कूरियर को भेज दिया है।",
			"हमने आज आपको नया {product} भेजा है।",
			"हमने आपका खाता रीसेट कर दिया है, कृपया फिर से लॉगिन करें।",
			"वारंटी में यह शामिल है, इसलिए मरम्मत मुफ्त है।",
			"हमने ऑर्डर रद्द कर दिया है।",
			"बिल की कॉपी आपके ईमेल पर भेज दी गई है।",
			"आपकी प्रतिक्रिया के लिए धन्यवाद।",
		},
		products:  []string{"जैकेट", "कॉफी मेकर", "हेडफ़ोन", "जूते", "बैग", "लैंप", "मिक्सर"},
		firstName: []string{"राहुल", "प्रिया", "अमित", "अंजलि", "विकास", "नेहा", "सुनील", "पूजा", "अर्जुन", "कविता"},
		lastName:  []string{"शर्मा", "वर्मा", "कुमार", "सिंह", "गुप्ता", "पटेल", "यादव", "जोशी"},
		emailTLD:  "in",
		phoneCC:   "91",
	},
}

// The search terms the scenarios type, chosen to be common in the phrase
// books: an English word, Vietnamese typed without its diacritics, and a
// misspelt English word that finds nothing as typed and is corrected.
const (
	searchWord       = "refund"
	searchVietnamese = "giao hang"
	searchTypo       = "delivry"
	searchTypoFixed  = "delivery"
)

// template is a phrase split into chunks once, with its slots marked.
type template struct {
	chunks []string // a chunk is a word (maybe with punctuation) or a slot
}

const (
	slotRef     = "{ref}"
	slotN       = "{n}"
	slotProduct = "{product}"
)

func compile(list []string) []template {
	out := make([]template, len(list))
	for i, s := range list {
		out[i] = template{chunks: strings.Fields(s)}
	}
	return out
}

// book is a phrase book compiled for the generator.
type book struct {
	phrases
	subjT, custT, staffT []template
	productChunks        [][]string
}

var notes = compile(internalNotes)

func compileBooks() []*book {
	out := make([]*book, len(phraseBooks))
	for i, p := range phraseBooks {
		b := &book{phrases: p, subjT: compile(p.subjects), custT: compile(p.customer), staffT: compile(p.staff)}
		for _, pr := range p.products {
			b.productChunks = append(b.productChunks, strings.Fields(pr))
		}
		out[i] = b
	}
	return out
}

// vocabulary lists every fixed chunk the generator can emit, for the lexeme
// cache: template words, products and names.
func vocabulary(books []*book) []string {
	seen := map[string]bool{}
	var out []string
	add := func(list ...string) {
		for _, s := range list {
			for _, w := range strings.Fields(s) {
				if !seen[w] && w != slotRef && w != slotN && w != slotProduct {
					seen[w] = true
					out = append(out, w)
				}
			}
		}
	}
	for _, b := range books {
		add(b.subjects...)
		add(b.customer...)
		add(b.staff...)
		add(b.products...)
		add(b.firstName...)
		add(b.lastName...)
	}
	add(internalNotes...)
	return out
}
