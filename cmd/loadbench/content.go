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
}

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
			"Question about my refund",
			"Payment failed at checkout",
			"Damaged {product} in the package",
			"Where is my order {ref}",
			"Discount code does not work",
			"Missing item in order {ref}",
			"How do I return a {product}",
		},
		customer: []string{
			"Hello, I ordered a {product} two weeks ago and it has still not arrived.",
			"The tracking page shows no updates since Monday.",
			"I would like a refund as soon as possible.",
			"The {product} was broken when I opened the box.",
			"My order number is {ref} if that helps.",
			"Thanks in advance for your help.",
			"I have been charged twice for the same order.",
			"Can you please tell me when the delivery will arrive?",
			"This is the third time I contact you about this.",
			"I still have not received the refund you promised.",
			"The courier left the parcel at the wrong address.",
		},
		staff: []string{
			"Hi, sorry for the delay and thanks for your patience.",
			"I have forwarded your case to our courier partner.",
			"Your order {ref} will be delivered within {n} working days.",
			"Your refund has been processed and will show in a few days.",
			"Could you send us a photo of the damaged item?",
			"I have sent you a replacement {product} today.",
			"We have updated the delivery address on your order.",
			"Please let us know if there is anything else we can do.",
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
		},
		customer: []string{
			"Hei, tilasin {product} kaksi viikkoa sitten mutta paketti ei ole vielä tullut.",
			"Seurantasivu ei näytä mitään tietoja maanantain jälkeen.",
			"Haluaisin hyvityksen mahdollisimman pian.",
			"Tuote oli rikki kun avasin pakkauksen.",
			"Tilausnumeroni on {ref} jos siitä on apua.",
			"Kiitos avusta jo etukäteen.",
			"Minulta veloitettiin kahdesti samasta tilauksesta.",
			"Milloin toimitus mahtaa saapua?",
			"Kuljettaja jätti paketin väärään osoitteeseen.",
		},
		staff: []string{
			"Hei, pahoittelemme viivästystä ja kiitos kärsivällisyydestäsi.",
			"Olemme välittäneet asian kuljetusliikkeelle.",
			"Tilauksesi {ref} toimitetaan {n} arkipäivän kuluessa.",
			"Hyvitys on käsitelty ja näkyy tililläsi muutaman päivän kuluttua.",
			"Voisitko lähettää kuvan vaurioituneesta tuotteesta?",
			"Lähetimme sinulle tänään uuden tuotteen.",
			"Kerrothan jos voimme auttaa vielä jossain muussa.",
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
			"Đơn hàng {ref} chưa được giao",
			"Giao hàng bị chậm {n} ngày",
			"Yêu cầu hoàn tiền cho {product} bị hỏng",
			"Không đăng nhập được vào tài khoản",
			"Hóa đơn {n} bị tính tiền hai lần",
			"Nhận sai kích cỡ {product}",
			"Muốn đổi địa chỉ giao hàng",
			"Thanh toán không thành công",
			"Đơn hàng {ref} đang ở đâu?",
			"Mã giảm giá không dùng được",
		},
		customer: []string{
			"Xin chào, tôi đã đặt đơn hàng {ref} nhưng đến nay vẫn chưa nhận được.",
			"Nhân viên giao hàng không liên lạc với tôi.",
			"Tôi muốn được hoàn tiền càng sớm càng tốt.",
			"Sản phẩm bị vỡ khi tôi mở hộp.",
			"Vui lòng kiểm tra giúp tôi tình trạng giao hàng.",
			"Cảm ơn anh chị rất nhiều.",
			"Tôi bị trừ tiền hai lần cho cùng một đơn hàng.",
			"Khi nào thì hàng được giao đến?",
			"Người giao hàng để gói hàng sai địa chỉ.",
		},
		staff: []string{
			"Chào quý khách, chúng tôi rất tiếc về sự bất tiện này.",
			"Chúng tôi đã chuyển yêu cầu của quý khách cho bộ phận giao hàng.",
			"Đơn hàng {ref} sẽ được giao trong {n} ngày làm việc.",
			"Chúng tôi đã hoàn tiền vào tài khoản của quý khách.",
			"Quý khách vui lòng gửi ảnh sản phẩm bị hỏng.",
			"Chúng tôi đã gửi cho quý khách một {product} mới.",
			"Nếu cần hỗ trợ thêm, quý khách vui lòng cho chúng tôi biết.",
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
		},
		customer: []string{
			"नमस्ते, मैंने ऑर्डर {ref} दो हफ्ते पहले किया था लेकिन अभी तक नहीं मिला।",
			"कृपया जल्द से जल्द रिफंड करें।",
			"डिब्बा खोलने पर उत्पाद टूटा हुआ था।",
			"कूरियर ने मुझसे संपर्क नहीं किया।",
			"एक ही ऑर्डर के लिए मुझसे दो बार पैसे काटे गए।",
			"धन्यवाद।",
			"डिलीवरी कब तक होगी?",
		},
		staff: []string{
			"नमस्ते, देरी के लिए हमें खेद है।",
			"आपका ऑर्डर {ref} {n} दिनों में पहुंच जाएगा।",
			"रिफंड की प्रक्रिया शुरू कर दी गई है।",
			"कृपया टूटे हुए उत्पाद की फोटो भेजें।",
			"हमने आपका मामला कूरियर को भेज दिया है।",
			"हमने आज आपको नया {product} भेजा है।",
		},
		products:  []string{"जैकेट", "कॉफी मेकर", "हेडफ़ोन", "जूते", "बैग", "लैंप", "मिक्सर"},
		firstName: []string{"राहुल", "प्रिया", "अमित", "अंजलि", "विकास", "नेहा", "सुनील", "पूजा", "अर्जुन", "कविता"},
		lastName:  []string{"शर्मा", "वर्मा", "कुमार", "सिंह", "गुप्ता", "पटेल", "यादव", "जोशी"},
		emailTLD:  "in",
		phoneCC:   "91",
	},
}

// The search terms the scenarios type, chosen to be common in the phrase
// books: an English word, Vietnamese typed without its diacritics.
const (
	searchWord       = "refund"
	searchVietnamese = "giao hang"
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
