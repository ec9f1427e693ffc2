package demo

// The demo desk's world: a web shop for home electronics serving customers in
// English, Finnish, Vietnamese and Hindi. Texts are written per language, not
// translated word for word: each says what a customer or rep of that language
// would say.
//
// Placeholders in texts:
//
//	{order}      the order number          {amount}   a price, refund or voucher
//	{product}    the product (nominative)  {carrier}  the delivery company
//	{aproduct}   English, with a or an     {product:g} Finnish genitive
//	{product:p}  Finnish partitive
//	{anh}        Vietnamese "anh"/"chị" for the customer
//	{g:he|she}   by the speaker's gender (Hindi verb endings)
//
// A placeholder written with a capital ({Product}, {Anh}) capitalises its value.

// lines is one scenario's thread in one language.
type lines struct {
	subjects []string // the customer's subject lines
	openings []string // the customer's first message
	ack      string   // rep: we are on it
	ask      string   // rep: asks the customer for something (-> pending)
	answer   string   // customer: answers ask
	hold     string   // rep: waiting on a third party (-> on hold)
	solve    string   // rep: the resolution (-> solved)
	note     string   // internal note, in the rep's own language
}

// scenario is one kind of issue the desk handles.
type scenario struct {
	key      string
	category string
	team     string   // the team that works it
	order    bool     // the customer quotes an order number
	smart    bool     // about a connected product (app, Wi-Fi)
	voucher  bool     // {amount} is a goodwill voucher, not the price
	tags     []string // tags a rep may add
	weight   int      // how common it is
	priority [4]int   // weights of low, normal, high, urgent
	text     map[string]lines
}

// The demo teams.
const (
	teamDelivery  = "Delivery"
	teamBilling   = "Billing"
	teamTechnical = "Technical"
)

var scenarios = []scenario{
	{
		key: "late_delivery", category: "delivery", team: teamDelivery, order: true, tags: []string{"courier", "late"},
		weight: 14, priority: [4]int{1, 6, 3, 1},
		text: map[string]lines{
			"en": {
				subjects: []string{"Order {order} hasn't arrived", "Where is my parcel? Order {order}", "Late delivery – {product}"},
				openings: []string{
					"I ordered {aproduct} ten days ago (order {order}) and it still hasn't arrived. The tracking page has said \"in transit\" since Monday. Can you tell me where it is?",
					"Hi, my order {order} was supposed to be delivered yesterday but nothing came and there was no card through the door. I need it before the weekend – what's going on?",
				},
				ack:    "Thanks for letting us know, and sorry for the wait. I've checked order {order}: it left our warehouse on time, but the tracking hasn't updated since it was handed to {carrier}. I've asked them to locate the parcel and I'll get back to you as soon as I hear from them.",
				ask:    "I'm sorry your order {order} is late. To trace it with {carrier} I need to confirm the delivery address: could you reply with the full address including the flat number, and a phone number the driver can call?",
				answer: "The address is 14 Elm Court, Flat 3, Leeds LS6 2QT. The driver can ring me on the number on my account. Please hurry, it's a present.",
				hold:   "A quick update: {carrier} has opened an investigation for your parcel. They usually answer within 2–3 working days. I've put your case on hold until then and will contact you as soon as they reply – you don't need to do anything.",
				solve:  "Good news: {carrier} found your parcel – it had been sent to the wrong depot. It is out for delivery and should reach you tomorrow. As an apology for the delay we have refunded the delivery fee to your card. Just reply to this message if it doesn't turn up.",
				note:   "Tracking stuck at the {carrier} hub for 5 days. Opened an investigation with the carrier; if nothing by Friday, send a replacement.",
			},
			"fi": {
				subjects: []string{"Tilaus myöhässä – {order}", "Missä pakettini on? Tilaus {order}", "Toimitus ei ole vieläkään saapunut"},
				openings: []string{
					"Hei! Tilasin {product:g} kaksi viikkoa sitten (tilausnumero {order}), eikä sitä ole vieläkään tullut. Seurannassa lukee vain \"kuljetuksessa\" jo viidettä päivää. Voitteko selvittää, missä paketti on?",
					"Tilaukseni {order} piti toimittaa eilen noutopisteeseen, mutta mitään ilmoitusta ei ole tullut. Tarvitsisin tuotteen ennen viikonloppua. Mikä on tilanne?",
				},
				ack:    "Kiitos viestistäsi ja pahoittelut viivästyksestä. Tarkistin tilauksen {order}: se lähti varastoltamme ajallaan, mutta seurantatieto ei ole päivittynyt sen jälkeen, kun lähetys siirtyi kuljetusliikkeelle ({carrier}). Olen pyytänyt heitä selvittämään paketin sijainnin ja palaan asiaan heti, kun kuulen heistä.",
				ask:    "Pahoittelen, että tilauksesi {order} on myöhässä. Jotta voin käynnistää selvityksen kuljetusliikkeen kanssa, tarvitsen vielä varmistuksen toimitusosoitteesta. Voisitko lähettää osoitteen kokonaisuudessaan sekä puhelinnumeron, johon kuljettaja voi soittaa?",
				answer: "Osoite on Hämeenkatu 12 B 7, 33100 Tampere. Kuljettaja voi soittaa tilillä olevaan numeroon. Toivottavasti paketti löytyy pian!",
				hold:   "Tilannepäivitys: kuljetusliike ({carrier}) on avannut lähetyksestäsi selvityksen. Vastaus tulee yleensä 2–3 arkipäivässä. Asia on odottamassa siihen asti, ja otan sinuun yhteyttä heti kun kuulen jotain – sinun ei tarvitse tehdä mitään.",
				solve:  "Hyviä uutisia: paketti löytyi! Se oli ohjautunut väärään terminaaliin, ja nyt se on jakelussa. Saat sen huomenna. Pahoittelut viivästyksestä – hyvitimme toimitusmaksun maksukortillesi. Vastaa tähän viestiin, jos paketti ei tule perille.",
				note:   "Seuranta jumissa {carrier}-terminaalissa 5 päivää. Selvityspyyntö tehty kuljetusliikkeelle; jos ei löydy perjantaihin mennessä, lähetetään korvaava tuote.",
			},
			"vi": {
				subjects: []string{"Đơn hàng {order} giao trễ", "Chưa nhận được hàng – mã đơn {order}", "Hỏi tình trạng giao hàng {product}"},
				openings: []string{
					"Chào shop, tôi đặt {product} từ tuần trước (mã đơn {order}) mà đến giờ vẫn chưa nhận được. Trên trang theo dõi cứ hiện \"đang vận chuyển\" suốt 5 ngày nay. Shop kiểm tra giúp tôi đơn hàng đang ở đâu với ạ.",
					"Đơn {order} báo giao hôm qua nhưng tôi ở nhà cả ngày mà không thấy shipper gọi. Cuối tuần này tôi cần dùng rồi, nhờ shop xem giúp gấp.",
				},
				ack:    "Dạ, bên em xin lỗi {anh} vì đơn hàng bị chậm. Em đã kiểm tra đơn {order}: hàng xuất kho đúng hẹn nhưng từ khi bàn giao cho {carrier} thì trạng thái chưa được cập nhật. Em đã liên hệ đơn vị vận chuyển để tìm kiện hàng và sẽ báo lại {anh} ngay khi có thông tin.",
				ask:    "Dạ, em rất tiếc vì đơn {order} bị giao trễ. Để yêu cầu {carrier} truy tìm kiện hàng, {anh} vui lòng gửi giúp em địa chỉ nhận hàng đầy đủ (số nhà, phường/xã) và số điện thoại để shipper liên hệ ạ.",
				answer: "Địa chỉ của tôi là 25 Nguyễn Trãi, phường Bến Thành, Quận 1, TP. Hồ Chí Minh. Shipper cứ gọi số điện thoại trong tài khoản nhé. Cảm ơn shop.",
				hold:   "Dạ, em cập nhật: {carrier} đã mở yêu cầu kiểm tra kiện hàng của {anh}. Thông thường họ phản hồi trong 2–3 ngày làm việc. Trong thời gian này yêu cầu của {anh} được tạm giữ, em sẽ chủ động liên hệ ngay khi có kết quả ạ.",
				solve:  "Dạ, tin vui ạ: kiện hàng đã được tìm thấy, do bị chuyển nhầm sang bưu cục khác. Hiện hàng đang được giao và {anh} sẽ nhận trong ngày mai. Để xin lỗi vì sự chậm trễ, bên em đã hoàn lại phí vận chuyển cho {anh}. Nếu vẫn chưa nhận được hàng, {anh} cứ trả lời email này giúp em nhé.",
				note:   "Đơn kẹt ở kho {carrier} 5 ngày. Đã tạo yêu cầu truy tìm với bên vận chuyển; nếu đến thứ Sáu chưa có kết quả thì gửi hàng thay thế.",
			},
			"hi": {
				subjects: []string{"ऑर्डर {order} अभी तक नहीं मिला", "मेरी डिलीवरी कहाँ है? ऑर्डर {order}", "डिलीवरी में देरी – {product}"},
				openings: []string{
					"नमस्ते, मैंने दस दिन पहले ऑर्डर किया था (ऑर्डर नंबर {order}, {product}), लेकिन अभी तक डिलीवरी नहीं हुई। ट्रैकिंग में पाँच दिन से \"इन ट्रांज़िट\" ही दिख रहा है। कृपया बताइए कि मेरा पार्सल कहाँ है।",
					"मेरा ऑर्डर {order} कल डिलीवर होना था, पर कोई नहीं आया और न ही कोई कॉल आई। मुझे यह सामान रविवार से पहले चाहिए। कृपया जल्दी देखिए।",
				},
				ack:    "आपको हुई असुविधा के लिए हमें खेद है। मैंने ऑर्डर {order} की जाँच की है: पार्सल हमारे वेयरहाउस से समय पर निकल गया था, लेकिन {carrier} को सौंपे जाने के बाद से ट्रैकिंग अपडेट नहीं हुई है। हमने कूरियर कंपनी से पार्सल का पता लगाने को कहा है और जानकारी मिलते ही हम आपको बताएँगे।",
				ask:    "ऑर्डर {order} में देरी के लिए हमें खेद है। {carrier} के साथ जाँच शुरू करने के लिए कृपया अपना पूरा डिलीवरी पता (मकान नंबर, गली, पिन कोड) और एक फ़ोन नंबर भेजें, जिस पर डिलीवरी एजेंट आपसे संपर्क कर सके।",
				answer: "मेरा पता है: मकान नं. 42, सेक्टर 15, रोहिणी, नई दिल्ली – 110085. फ़ोन नंबर वही है जो अकाउंट में है। कृपया जल्दी करवाइए।",
				hold:   "एक अपडेट: {carrier} ने आपके पार्सल की जाँच शुरू कर दी है। आमतौर पर उनका जवाब 2–3 कार्यदिवसों में आता है। तब तक आपका मामला होल्ड पर है; जवाब आते ही हम ख़ुद आपसे संपर्क करेंगे।",
				solve:  "अच्छी ख़बर है: आपका पार्सल मिल गया है! वह ग़लती से दूसरे हब में चला गया था। अब वह डिलीवरी के लिए निकल चुका है और कल तक आपके पास पहुँच जाएगा। देरी के लिए माफ़ी के तौर पर हमने डिलीवरी शुल्क आपके खाते में वापस कर दिया है। अगर पार्सल न मिले तो कृपया इसी संदेश का जवाब दें।",
				note:   "ट्रैकिंग 5 दिन से {carrier} हब पर अटकी है। कूरियर के पास जाँच दर्ज कर दी है; शुक्रवार तक न मिले तो रिप्लेसमेंट भेजना है।",
			},
		},
	},
	{
		key: "damaged", category: "delivery", team: teamDelivery, order: true, tags: []string{"damaged", "courier"},
		weight: 7, priority: [4]int{0, 5, 4, 1},
		text: map[string]lines{
			"en": {
				subjects: []string{"{product} arrived damaged", "Broken item in my parcel – order {order}", "Damaged delivery"},
				openings: []string{
					"My {product} from order {order} arrived today and the box was crushed on one side. The casing is cracked and something rattles inside. I've kept all the packaging. What do I do now?",
					"The parcel was left at my door soaking wet and the {product} inside has a big dent. I don't want to use it like this. Can you send a new one?",
				},
				ack:    "I'm sorry your {product} arrived damaged – that's not how it should reach you. I've reported the damage to {carrier} and reserved a replacement from our stock for you.",
				ask:    "I'm very sorry about this. So that we can send a replacement straight away, could you reply with two or three photos: the damaged item and the outer box, with the shipping label visible?",
				answer: "Photos attached – the dent is on the left side and you can see the box was crushed. The label is still readable.",
				hold:   "Thanks for the photos. {carrier} needs to inspect damage claims before we can ship a replacement; they have promised an answer within three working days. Your case is on hold until then and I'll be in touch as soon as I hear back.",
				solve:  "A replacement is on its way to you – you'll get a tracking link by email today. There's no need to send the damaged one back: the {carrier} driver will collect it when they deliver the new one. Sorry again for the trouble!",
				note:   "Damage claim filed with {carrier}, photos added to the claim. Replacement reserved from stock – ship once the claim number arrives.",
			},
			"fi": {
				subjects: []string{"{product} tuli rikki", "Vaurioitunut paketti – tilaus {order}", "Tuote rikkoutunut kuljetuksessa"},
				openings: []string{
					"Hei, tilauksen {order} paketti tuli tänään, ja laatikko oli litistynyt toisesta kyljestä. Tilaamani {product} on kolhiintunut ja sisältä kuuluu kolinaa. Säilytin pakkauksen. Miten toimitaan?",
					"Paketti jätettiin ovelle aivan märkänä, ja {product} oli pahasti lommolla. En halua käyttää tuotetta tällaisena. Voitteko lähettää uuden?",
				},
				ack:    "Olen todella pahoillani, että {product} saapui vaurioituneena. Tein vahinkoilmoituksen kuljetusliikkeelle ({carrier}) ja varasin sinulle korvaavan tuotteen varastostamme.",
				ask:    "Pahoittelen tilannetta kovasti. Jotta voimme lähettää korvaavan tuotteen heti, lähettäisitkö vastauksena pari kuvaa: vaurioituneesta tuotteesta sekä ulkopakkauksesta niin, että osoitelappu näkyy?",
				answer: "Liitin kuvat. Lommo on vasemmassa kyljessä, ja kuvasta näkee, että laatikko on ruttaantunut. Osoitelappu on vielä luettavissa.",
				hold:   "Kiitos kuvista. Kuljetusliike ({carrier}) käsittelee kuljetusvauriot ennen kuin voimme lähettää korvaavan tuotteen, ja he ovat luvanneet vastauksen kolmen arkipäivän kuluessa. Asia on siihen asti odottamassa, ja palaan asiaan heti kun kuulen heistä.",
				solve:  "Korvaava tuote on nyt matkalla sinulle, ja saat seurantalinkin sähköpostiisi vielä tänään. Vaurioitunutta tuotetta ei tarvitse palauttaa itse: kuljettaja ottaa sen mukaansa uuden toimituksen yhteydessä. Pahoittelemme vielä vaivaa!",
				note:   "Vahinkoilmoitus tehty ({carrier}), kuvat liitetty ilmoitukseen. Korvaava tuote varattu – lähetetään, kun vahinkonumero tulee.",
			},
			"vi": {
				subjects: []string{"{product} bị hư hỏng khi nhận", "Hàng bị móp méo – đơn {order}", "Nhận hàng bị vỡ"},
				openings: []string{
					"Shop ơi, hôm nay tôi nhận đơn {order}, thùng hàng bị móp một bên, {product} bên trong bị nứt vỏ và lắc nghe lục cục. Tôi vẫn giữ nguyên hộp. Giờ tôi phải làm sao?",
					"Shipper để hàng trước cửa, thùng ướt sũng và {product} bị móp khá nặng. Tôi không muốn dùng hàng như vậy, shop đổi giúp tôi cái mới được không?",
				},
				ack:    "Dạ, em thành thật xin lỗi vì {product} đến tay {anh} trong tình trạng hư hỏng. Em đã báo sự cố với {carrier} và giữ sẵn một sản phẩm mới trong kho để đổi cho {anh}.",
				ask:    "Dạ, em rất xin lỗi {anh} về sự cố này. Để bên em gửi hàng đổi ngay, {anh} vui lòng chụp giúp em 2–3 tấm ảnh: sản phẩm bị hư và thùng hàng bên ngoài (thấy rõ phiếu gửi hàng) rồi gửi lại qua email này ạ.",
				answer: "Tôi gửi ảnh đính kèm rồi nhé. Chỗ móp ở bên trái, thùng bị bẹp thấy rõ, phiếu gửi vẫn còn đọc được.",
				hold:   "Dạ, em cảm ơn {anh} đã gửi ảnh. {carrier} cần xác minh hư hỏng trước khi bên em gửi hàng đổi, họ hẹn phản hồi trong 3 ngày làm việc. Trong thời gian chờ, yêu cầu của {anh} được tạm giữ và em sẽ báo ngay khi có kết quả ạ.",
				solve:  "Dạ, sản phẩm mới đã được gửi đi, hôm nay {anh} sẽ nhận được mã vận đơn qua email. {Anh} không cần gửi trả hàng hỏng: shipper sẽ thu hồi khi giao hàng mới. Một lần nữa bên em xin lỗi vì sự bất tiện này ạ.",
				note:   "Đã lập biên bản hư hỏng với {carrier}, ảnh đã đính kèm. Giữ hàng đổi trong kho – gửi khi có mã khiếu nại.",
			},
			"hi": {
				subjects: []string{"डैमेज पार्सल – ऑर्डर {order}", "{product} की डिलीवरी में नुकसान", "पार्सल टूटी-फूटी हालत में पहुँचा"},
				openings: []string{
					"नमस्ते, आज मुझे ऑर्डर {order} का पार्सल मिला। डिब्बा एक तरफ़ से पूरी तरह दबा हुआ था, {product} की बॉडी पर दरार है और अंदर से खड़खड़ की आवाज़ आती है। मैंने पूरी पैकिंग संभालकर रखी है। अब मुझे क्या करना चाहिए?",
					"डिलीवरी वाला पार्सल दरवाज़े के बाहर छोड़ गया, डिब्बा पूरा भीगा हुआ था और {product} पर बड़ा-सा डेंट है। मैं ऐसा सामान इस्तेमाल नहीं करना {g:चाहता|चाहती}। कृपया नया भेज दीजिए।",
				},
				ack:    "हमें बेहद अफ़सोस है कि आपको सामान ख़राब हालत में मिला। हमने {carrier} के पास नुकसान की शिकायत दर्ज कर दी है और आपके लिए स्टॉक से दूसरा पीस रिज़र्व कर दिया है।",
				ask:    "इस परेशानी के लिए हमें बहुत खेद है। ताकि हम तुरंत रिप्लेसमेंट भेज सकें, कृपया 2–3 फ़ोटो भेजें: ख़राब हुए सामान की और बाहर के डिब्बे की, जिसमें शिपिंग लेबल साफ़ दिखे।",
				answer: "फ़ोटो अटैच कर दी हैं। डेंट बाईं तरफ़ है और डिब्बा दबा हुआ साफ़ दिख रहा है। लेबल भी पढ़ा जा सकता है।",
				hold:   "फ़ोटो भेजने के लिए धन्यवाद। रिप्लेसमेंट भेजने से पहले {carrier} नुकसान की जाँच करता है; उन्होंने तीन कार्यदिवसों में जवाब देने का वादा किया है। तब तक आपका मामला होल्ड पर है, जवाब आते ही हम आपको सूचित करेंगे।",
				solve:  "आपका रिप्लेसमेंट भेज दिया गया है, ट्रैकिंग लिंक आज ही ईमेल पर मिल जाएगा। ख़राब सामान वापस भेजने की ज़रूरत नहीं है – नया सामान देते समय डिलीवरी एजेंट उसे ले जाएगा। असुविधा के लिए एक बार फिर क्षमा करें।",
				note:   "{carrier} के पास डैमेज क्लेम दर्ज, फ़ोटो क्लेम में लगा दी हैं। रिप्लेसमेंट स्टॉक में रिज़र्व – क्लेम नंबर आते ही भेजना है।",
			},
		},
	},
	{
		key: "wrong_item", category: "order", team: teamDelivery, order: true, tags: []string{"exchange", "warehouse"},
		weight: 7, priority: [4]int{1, 6, 2, 0},
		text: map[string]lines{
			"en": {
				subjects: []string{"Wrong item received – order {order}", "I got the wrong product", "Order {order}: not what I ordered"},
				openings: []string{
					"I ordered {aproduct} (order {order}) but the box contained a completely different product – a hair dryer. Please send me what I actually paid for.",
					"The {product} I received is the wrong colour – I chose black and got white. Can I swap it?",
				},
				ack:    "Sorry about the mix-up! I've checked order {order} and you're right – the wrong item was packed at our warehouse. I've started an exchange and will confirm the details shortly.",
				ask:    "Sorry for the mix-up with order {order}. To arrange the exchange, could you tell me the code on the white sticker on the side of the box you received? It lets the warehouse see where the mistake happened.",
				answer: "The sticker says SKU 4471-WH. The box is unopened apart from the tape.",
				hold:   "I've asked the warehouse to confirm they have the right item in stock before we ship it. They'll reply by tomorrow; I've put the ticket on hold until then so nothing gets lost.",
				solve:  "The correct {product} was shipped today and you'll get the tracking link by email. {carrier} will pick up the wrong item at the same time – just hand it to the driver in its box. No cost to you, of course.",
				note:   "Picking error at the warehouse (shelf labels swapped?). Exchange order created, return pickup booked.",
			},
			"fi": {
				subjects: []string{"Väärä tuote – tilaus {order}", "Sain väärän tuotteen", "Tilaus {order}: en tilannut tätä"},
				openings: []string{
					"Tilasin {product:g} (tilaus {order}), mutta laatikossa oli aivan eri tuote – hiustenkuivaaja. Lähettäkää se, minkä oikeasti maksoin.",
					"Saamani {product} on väärän värinen: valitsin mustan, mutta tuli valkoinen. Voinko vaihtaa sen?",
				},
				ack:    "Pahoittelut sekaannuksesta! Tarkistin tilauksen {order}, ja olet oikeassa: varastollamme oli pakattu väärä tuote. Olen käynnistänyt vaihdon ja vahvistan yksityiskohdat pian.",
				ask:    "Pahoittelut tilauksen {order} sekaannuksesta. Jotta voin järjestää vaihdon, kertoisitko saamasi laatikon kyljessä olevan valkoisen tarran koodin? Sen avulla varasto näkee, missä virhe tapahtui.",
				answer: "Tarrassa lukee SKU 4471-WH. Laatikkoa ei ole avattu, vain teippi on auki.",
				hold:   "Pyysin varastoa varmistamaan, että oikeaa tuotetta on hyllyssä ennen lähetystä. He vastaavat huomiseen mennessä, joten laitoin tiketin odottamaan siihen asti.",
				solve:  "Oikea tuote lähti tänään, ja saat seurantalinkin sähköpostiisi. Kuljettaja ({carrier}) noutaa väärän tuotteen samalla kertaa – anna se vain alkuperäisessä laatikossa kuljettajalle. Vaihto on sinulle tietenkin maksuton.",
				note:   "Keräysvirhe varastolla (hyllytarrat ristissä?). Vaihtotilaus tehty ja nouto tilattu.",
			},
			"vi": {
				subjects: []string{"Giao sai sản phẩm – đơn {order}", "Nhận nhầm hàng", "Đơn {order} không đúng hàng đã đặt"},
				openings: []string{
					"Tôi đặt {product} (đơn {order}) nhưng mở hộp ra lại là một món khác hẳn – máy sấy tóc. Shop gửi lại đúng món tôi đã thanh toán giúp tôi.",
					"{Product} tôi nhận được bị sai màu: tôi chọn màu đen mà shop giao màu trắng. Tôi đổi được không ạ?",
				},
				ack:    "Dạ, em xin lỗi vì sự nhầm lẫn! Em đã kiểm tra đơn {order} và đúng là kho đã đóng gói nhầm sản phẩm. Em đã tạo yêu cầu đổi hàng và sẽ xác nhận lại với {anh} ngay ạ.",
				ask:    "Dạ, em xin lỗi về sự nhầm lẫn ở đơn {order}. Để làm thủ tục đổi hàng, {anh} đọc giúp em mã trên nhãn trắng dán ở cạnh hộp được không ạ? Nhờ mã này kho sẽ biết sai sót xảy ra ở khâu nào.",
				answer: "Nhãn ghi SKU 4471-WH. Hộp tôi chưa mở, chỉ mới rạch băng keo thôi.",
				hold:   "Dạ, em đã nhờ kho xác nhận còn đúng mẫu {anh} đặt trước khi gửi. Kho sẽ trả lời trong ngày mai, nên em tạm giữ yêu cầu đến lúc đó ạ.",
				solve:  "Dạ, sản phẩm đúng đã được gửi đi hôm nay, mã vận đơn em đã gửi qua email. Khi giao hàng, shipper {carrier} sẽ thu lại món bị nhầm, {anh} chỉ cần để nguyên trong hộp. Việc đổi hàng hoàn toàn miễn phí ạ.",
				note:   "Kho lấy nhầm hàng (có thể dán nhầm nhãn kệ). Đã tạo đơn đổi và lịch thu hồi.",
			},
			"hi": {
				subjects: []string{"ग़लत सामान मिला – ऑर्डर {order}", "ऑर्डर कुछ और किया, आया कुछ और", "ऑर्डर {order} में ग़लत प्रोडक्ट"},
				openings: []string{
					"मैंने ऑर्डर {order} किया था ({product}), लेकिन डिब्बे में बिल्कुल अलग चीज़ निकली – हेयर ड्रायर। जिस चीज़ के पैसे दिए हैं, कृपया वही भेजिए।",
					"ऑर्डर {order} में जो सामान ({product}) आया है, उसका रंग ग़लत है – मैंने काला चुना था, पर सफ़ेद आ गया। क्या इसे बदला जा सकता है?",
				},
				ack:    "इस गड़बड़ी के लिए माफ़ी चाहते हैं! मैंने ऑर्डर {order} चेक किया – आप सही हैं, हमारे वेयरहाउस में ग़लत सामान पैक हो गया था। मैंने एक्सचेंज शुरू कर दिया है, पूरी जानकारी हम जल्द ही भेजेंगे।",
				ask:    "ऑर्डर {order} में हुई गड़बड़ी के लिए खेद है। एक्सचेंज के लिए कृपया डिब्बे के किनारे लगे सफ़ेद स्टिकर पर लिखा कोड बताइए। इससे वेयरहाउस पता लगा सकेगा कि ग़लती कहाँ हुई।",
				answer: "स्टिकर पर SKU 4471-WH लिखा है। डिब्बा खोला नहीं है, सिर्फ़ टेप हटाया है।",
				hold:   "मैंने वेयरहाउस से कन्फ़र्म करने को कहा है कि सही सामान स्टॉक में है। उनका जवाब कल तक आएगा, इसलिए तब तक टिकट होल्ड पर रखा है।",
				solve:  "आपका सही सामान आज भेज दिया गया है और ट्रैकिंग लिंक ईमेल पर मिल जाएगा। उसी समय {carrier} का एजेंट ग़लत सामान वापस ले जाएगा – बस उसे उसी डिब्बे में दे दीजिए। इसके लिए आपको कुछ भी भुगतान नहीं करना होगा।",
				note:   "वेयरहाउस में पिकिंग की ग़लती (शेल्फ़ लेबल बदले हुए?)। एक्सचेंज ऑर्डर बना दिया, रिटर्न पिकअप भी बुक है।",
			},
		},
	},
	{
		key: "return", category: "order", team: teamDelivery, order: true, tags: []string{"return", "refund"},
		weight: 9, priority: [4]int{3, 6, 1, 0},
		text: map[string]lines{
			"en": {
				subjects: []string{"Return request – order {order}", "I'd like to return my {product}", "How do I return an item?"},
				openings: []string{
					"I bought {aproduct} two weeks ago (order {order}) but it's too loud for our small flat. It's in perfect condition and in the original box. How do I return it and get my money back?",
					"I want to return the {product} from order {order}. It doesn't suit my needs. Do I have to pay for the return shipping?",
				},
				ack:    "Thanks for getting in touch. Order {order} is within the 30-day return period, so a return is no problem. I've created the return and you'll receive a prepaid label by email shortly.",
				ask:    "Happy to help with the return. Would you like the money back to your original payment method or as store credit? Store credit is available immediately; a card refund takes 3–5 working days after we receive the item.",
				answer: "Back to my card please. I'll drop the parcel off at the post office this week.",
				hold:   "We've received your parcel at the warehouse. It's waiting for the usual quality check, which takes 1–2 working days; the refund is released automatically after that. I'll keep the ticket on hold and confirm when it's done.",
				solve:  "Your return has been processed and {amount} has been refunded to your original payment method. Depending on your bank it can take 3–5 working days to show on your statement. Thanks for shopping with us!",
				note:   "Within the return period, item unused. Prepaid return label sent; refund after the warehouse check.",
			},
			"fi": {
				subjects: []string{"Palautuspyyntö – tilaus {order}", "Haluan palauttaa tuotteen", "Miten palautan tuotteen?"},
				openings: []string{
					"Ostin {product:g} kaksi viikkoa sitten (tilaus {order}), mutta se on liian äänekäs pieneen asuntoomme. Tuote on moitteettomassa kunnossa alkuperäisessä pakkauksessa. Miten palautan sen ja saan rahani takaisin?",
					"Haluaisin palauttaa tilauksen {order}. Tuote ei vastannut odotuksiani. Joudunko maksamaan palautuksen postikulut itse?",
				},
				ack:    "Kiitos yhteydenotosta. Tilaus {order} on 30 päivän palautusajan sisällä, joten palautus onnistuu hyvin. Loin palautuksen, ja saat maksetun palautustarran sähköpostiisi hetken kuluttua.",
				ask:    "Autan mielelläni palautuksessa. Haluatko rahat takaisin alkuperäiselle maksutavalle vai lahjakorttina? Lahjakortti on käytettävissä heti, korttihyvitys näkyy 3–5 arkipäivän kuluessa siitä, kun tuote on saapunut meille.",
				answer: "Takaisin kortille, kiitos. Vien paketin postiin tällä viikolla.",
				hold:   "Pakettisi on saapunut varastollemme. Se odottaa tavanomaista tarkastusta, joka kestää 1–2 arkipäivää, minkä jälkeen hyvitys lähtee automaattisesti. Pidän tiketin odottamassa ja vahvistan, kun kaikki on valmista.",
				solve:  "Palautuksesi on käsitelty, ja {amount} on hyvitetty alkuperäiselle maksutavallesi. Pankista riippuen summa näkyy tililläsi 3–5 arkipäivän kuluessa. Kiitos, että asioit kanssamme!",
				note:   "Palautusajan sisällä, tuote käyttämätön. Maksettu palautustarra lähetetty, hyvitys varastotarkastuksen jälkeen.",
			},
			"vi": {
				subjects: []string{"Yêu cầu trả hàng – đơn {order}", "Tôi muốn trả lại {product}", "Cách đổi trả hàng như thế nào?"},
				openings: []string{
					"Tôi mua {product} hai tuần trước (đơn {order}) nhưng máy chạy hơi ồn so với căn hộ nhỏ nhà tôi. Hàng còn mới nguyên, đủ hộp. Tôi muốn trả hàng và nhận lại tiền thì làm thế nào?",
					"Tôi muốn trả lại {product} trong đơn {order} vì không phù hợp nhu cầu. Phí gửi trả tôi có phải chịu không shop?",
				},
				ack:    "Dạ, cảm ơn {anh} đã liên hệ. Đơn {order} vẫn trong thời hạn đổi trả 30 ngày nên {anh} hoàn toàn có thể trả hàng. Em đã tạo yêu cầu trả hàng, {anh} sẽ nhận được phiếu gửi trả miễn phí qua email trong ít phút nữa ạ.",
				ask:    "Dạ, em hỗ trợ {anh} trả hàng ngay ạ. {Anh} muốn nhận hoàn tiền về phương thức thanh toán ban đầu hay nhận bằng điểm tích lũy? Điểm tích lũy dùng được ngay, còn hoàn tiền về thẻ/ví mất 3–5 ngày làm việc sau khi kho nhận hàng ạ.",
				answer: "Hoàn về thẻ giúp tôi nhé. Trong tuần này tôi sẽ mang ra bưu cục gửi.",
				hold:   "Dạ, kho đã nhận được kiện hàng trả của {anh}. Hàng đang chờ kiểm tra theo quy trình (1–2 ngày làm việc), sau đó tiền sẽ được hoàn tự động. Em tạm giữ yêu cầu và sẽ báo {anh} khi hoàn tất ạ.",
				solve:  "Dạ, yêu cầu trả hàng của {anh} đã được xử lý xong, số tiền {amount} đã được hoàn về phương thức thanh toán ban đầu. Tùy ngân hàng, tiền sẽ về tài khoản trong 3–5 ngày làm việc. Cảm ơn {anh} đã mua sắm tại cửa hàng ạ!",
				note:   "Còn hạn đổi trả, hàng chưa sử dụng. Đã gửi phiếu trả hàng miễn phí; hoàn tiền sau khi kho kiểm tra.",
			},
			"hi": {
				subjects: []string{"रिटर्न रिक्वेस्ट – ऑर्डर {order}", "{product} रिटर्न करने के बारे में", "रिटर्न कैसे करें?"},
				openings: []string{
					"नमस्ते, दो हफ़्ते पहले मैंने ऑर्डर {order} किया था। उसमें आया सामान ({product}) हमारे छोटे फ़्लैट के लिए बहुत शोर करता है। सामान बिल्कुल नया है और ओरिजिनल डिब्बे में है। इसे वापस कैसे करूँ और पैसे कब तक मिलेंगे?",
					"मुझे ऑर्डर {order} रिटर्न करना है, सामान मेरी ज़रूरत के हिसाब से ठीक नहीं है। क्या रिटर्न शिपिंग का ख़र्च मुझे देना होगा?",
				},
				ack:    "संपर्क करने के लिए धन्यवाद। ऑर्डर {order} 30 दिन की रिटर्न अवधि के अंदर है, इसलिए रिटर्न में कोई दिक़्क़त नहीं है। मैंने रिटर्न बना दिया है, प्रीपेड लेबल थोड़ी देर में आपके ईमेल पर आ जाएगा।",
				ask:    "रिटर्न में हम ज़रूर मदद करेंगे। कृपया बताइए कि आप रिफ़ंड मूल भुगतान माध्यम में चाहते हैं या स्टोर क्रेडिट के रूप में? स्टोर क्रेडिट तुरंत मिल जाता है, जबकि कार्ड/UPI रिफ़ंड सामान पहुँचने के 3–5 कार्यदिवस बाद आता है।",
				answer: "रिफ़ंड UPI में ही चाहिए। इस हफ़्ते पार्सल पिकअप के लिए दे {g:दूँगा|दूँगी}।",
				hold:   "आपका पार्सल हमारे वेयरहाउस पहुँच गया है। सामान की सामान्य जाँच में 1–2 कार्यदिवस लगते हैं, उसके बाद रिफ़ंड अपने-आप जारी हो जाएगा। तब तक टिकट होल्ड पर है, पूरा होते ही हम पुष्टि करेंगे।",
				solve:  "आपका रिटर्न प्रोसेस हो गया है और {amount} आपके मूल भुगतान माध्यम में रिफ़ंड कर दिए गए हैं। बैंक के अनुसार राशि 3–5 कार्यदिवस में दिखेगी। हमारे साथ ख़रीदारी के लिए धन्यवाद!",
				note:   "रिटर्न अवधि के भीतर, सामान इस्तेमाल नहीं हुआ। प्रीपेड रिटर्न लेबल भेज दिया; वेयरहाउस जाँच के बाद रिफ़ंड।",
			},
		},
	},
	{
		key: "change_address", category: "order", team: teamDelivery, order: true, tags: []string{"address"},
		weight: 5, priority: [4]int{0, 5, 3, 1},
		text: map[string]lines{
			"en": {
				subjects: []string{"Change delivery address for order {order}", "Wrong address on my order", "Can I still change where my parcel goes?"},
				openings: []string{
					"I've just noticed I used my old address for order {order}. We moved last month! Can you change it to 7 Station Road, Bristol BS1 4QA before it ships?",
					"Is it possible to deliver order {order} to my office instead of home? I'm never home during the day.",
				},
				ack:    "Thanks for the quick heads-up. Order {order} hasn't left the warehouse yet, so I've stopped it and asked the team to update the address.",
				ask:    "I can help with that. For security, please confirm the new address in full, including the postcode, and the name that should be on the parcel.",
				answer: "Please send it to: Harper & Lane Ltd, 2nd floor, 21 King Street, Manchester M2 4LQ, for my attention. Thanks!",
				hold:   "The parcel had already been handed to {carrier}, so I've asked them to redirect it. Redirections take 1–2 working days to confirm; the ticket is on hold until I hear back.",
				solve:  "Done – the delivery address for order {order} has been updated and the parcel will go to the new address. You'll receive the updated tracking details by email.",
				note:   "Address change requested before dispatch. Updated in the order system, warehouse informed.",
			},
			"fi": {
				subjects: []string{"Toimitusosoitteen muutos – tilaus {order}", "Väärä osoite tilauksessa", "Voinko vielä muuttaa toimitusosoitetta?"},
				openings: []string{
					"Huomasin juuri, että tilauksessa {order} on vanha osoitteeni – muutimme viime kuussa. Voitteko vaihtaa osoitteeksi Länsikatu 8 A 4, 80110 Joensuu ennen kuin paketti lähtee?",
					"Onko mahdollista toimittaa tilaus {order} työpaikalleni kotiosoitteen sijaan? En ole päivisin kotona.",
				},
				ack:    "Kiitos nopeasta ilmoituksesta. Tilaus {order} ei ole vielä lähtenyt varastolta, joten pysäytin sen ja pyysin varastoa päivittämään osoitteen.",
				ask:    "Onnistuu. Tietoturvan vuoksi pyydän vahvistamaan uuden osoitteen kokonaisuudessaan postinumeroineen sekä nimen, jolle paketti osoitetaan.",
				answer: "Osoite: Keskuskatu 3, 3. kerros, 00100 Helsinki, Insinööritoimisto Mäkelä Oy, minun nimelläni. Kiitos!",
				hold:   "Paketti oli jo ehditty luovuttaa kuljetusliikkeelle ({carrier}), joten pyysin heitä ohjaamaan sen uuteen osoitteeseen. Uudelleenohjauksen vahvistus kestää 1–2 arkipäivää, ja tiketti on odottamassa siihen asti.",
				solve:  "Valmista: tilauksen {order} toimitusosoite on päivitetty, ja paketti toimitetaan uuteen osoitteeseen. Saat päivitetyt seurantatiedot sähköpostiisi.",
				note:   "Osoitteenmuutos pyydetty ennen lähetystä. Päivitetty tilausjärjestelmään, varastolle ilmoitettu.",
			},
			"vi": {
				subjects: []string{"Đổi địa chỉ giao hàng đơn {order}", "Ghi sai địa chỉ nhận hàng", "Còn đổi được địa chỉ giao hàng không?"},
				openings: []string{
					"Tôi vừa phát hiện đơn {order} đang để địa chỉ cũ, nhà tôi mới chuyển tháng trước. Shop đổi giúp sang 48 Lê Lợi, phường Thạch Thang, Hải Châu, Đà Nẵng trước khi gửi hàng nhé.",
					"Đơn {order} có thể giao đến công ty thay vì nhà riêng được không? Ban ngày tôi không có ở nhà.",
				},
				ack:    "Dạ, cảm ơn {anh} đã báo sớm. Đơn {order} chưa rời kho nên em đã tạm dừng đơn và nhờ kho cập nhật địa chỉ mới ạ.",
				ask:    "Dạ được ạ. Để đảm bảo an toàn, {anh} vui lòng xác nhận giúp em địa chỉ mới đầy đủ và tên người nhận ghi trên kiện hàng ạ.",
				answer: "Gửi về: Công ty TNHH Minh Phát, tầng 5, 120 Trần Duy Hưng, Cầu Giấy, Hà Nội, người nhận là tôi. Cảm ơn shop!",
				hold:   "Dạ, kiện hàng đã được bàn giao cho {carrier} nên em đã đề nghị họ chuyển hướng giao hàng. Việc xác nhận mất 1–2 ngày làm việc, em tạm giữ yêu cầu đến khi có phản hồi ạ.",
				solve:  "Dạ, địa chỉ giao hàng của đơn {order} đã được cập nhật, hàng sẽ được giao đến địa chỉ mới. {Anh} sẽ nhận được thông tin vận đơn mới qua email ạ.",
				note:   "Khách đổi địa chỉ trước khi xuất kho. Đã cập nhật trên hệ thống, đã báo kho.",
			},
			"hi": {
				subjects: []string{"ऑर्डर {order} का डिलीवरी पता बदलना है", "ऑर्डर में ग़लत पता", "क्या डिलीवरी का पता अभी बदला जा सकता है?"},
				openings: []string{
					"अभी देखा कि ऑर्डर {order} में मेरा पुराना पता चला गया है, हम पिछले महीने शिफ़्ट हुए हैं। कृपया डिस्पैच से पहले पता बदलकर फ़्लैट 302, साई रेज़िडेंसी, बाणेर रोड, पुणे – 411045 कर दीजिए।",
					"क्या ऑर्डर {order} घर की जगह मेरे ऑफ़िस में डिलीवर हो सकता है? दिन में घर पर कोई नहीं रहता।",
				},
				ack:    "जल्दी बताने के लिए धन्यवाद। ऑर्डर {order} अभी वेयरहाउस से निकला नहीं है, इसलिए मैंने उसे रोककर पता अपडेट करने को कह दिया है।",
				ask:    "ज़रूर, यह हो जाएगा। सुरक्षा के लिए कृपया नया पता पिन कोड सहित पूरा लिखकर भेजें, और वह नाम भी जिसके नाम पर पार्सल जाना है।",
				answer: "पता: श्री गणेश ट्रेडर्स, दूसरी मंज़िल, 14 एमजी रोड, बेंगलुरु – 560001, मेरे नाम पर। धन्यवाद!",
				hold:   "पार्सल पहले ही {carrier} को सौंपा जा चुका था, इसलिए हमने उनसे उसे नए पते पर भेजने का अनुरोध किया है। इसकी पुष्टि में 1–2 कार्यदिवस लगते हैं; तब तक टिकट होल्ड पर है।",
				solve:  "हो गया – ऑर्डर {order} का डिलीवरी पता अपडेट कर दिया गया है और पार्सल नए पते पर पहुँचेगा। नई ट्रैकिंग जानकारी आपको ईमेल पर मिल जाएगी।",
				note:   "डिस्पैच से पहले पता बदलने का अनुरोध। ऑर्डर सिस्टम में अपडेट कर दिया, वेयरहाउस को बता दिया।",
			},
		},
	},
	{
		key: "cancel", category: "order", team: teamDelivery, order: true, tags: []string{"cancellation"},
		weight: 6, priority: [4]int{1, 5, 3, 1},
		text: map[string]lines{
			"en": {
				subjects: []string{"Cancel order {order}", "Please cancel my order", "Ordered twice by mistake"},
				openings: []string{
					"I placed order {order} this morning by mistake – I already have {aproduct}. Please cancel it and refund me.",
					"I accidentally ordered the same {product} twice. Can you cancel one of the orders ({order})?",
				},
				ack:    "No problem – I've asked the warehouse to stop order {order} before it's packed. I'll confirm as soon as the cancellation goes through.",
				ask:    "I can cancel that for you. Just to be sure we cancel the right one: do you want to keep the earlier order and cancel {order}, or the other way round?",
				answer: "Keep the earlier one, cancel {order}. Thanks!",
				hold:   "Order {order} had already been packed, so the warehouse needs to pull it from the outgoing shipment. They'll confirm tomorrow morning; the ticket is on hold until then.",
				solve:  "Order {order} has been cancelled and {amount} has been refunded to your payment method. You'll also get a confirmation email. If there's anything else, just reply here.",
				note:   "Cancelled before dispatch, refund issued in the payment system.",
			},
			"fi": {
				subjects: []string{"Tilauksen {order} peruutus", "Perukaa tilaukseni", "Tilasin vahingossa kahdesti"},
				openings: []string{
					"Tein tänä aamuna vahingossa tilauksen {order} – minulla on jo {product}. Perukaa tilaus ja palauttakaa rahat, kiitos.",
					"Tilasin vahingossa saman tuotteen kahteen kertaan. Voitteko perua toisen tilauksista ({order})?",
				},
				ack:    "Ei hätää – pyysin varastoa pysäyttämään tilauksen {order} ennen pakkaamista. Vahvistan heti, kun peruutus on mennyt läpi.",
				ask:    "Peruutus onnistuu. Varmistan vielä, että perumme oikean: haluatko pitää aiemman tilauksen ja perua tilauksen {order}, vai toisin päin?",
				answer: "Pidän aiemman, perukaa {order}. Kiitos!",
				hold:   "Tilaus {order} oli jo ehditty pakata, joten varaston täytyy poimia se lähtevästä kuormasta. He vahvistavat asian huomenna aamulla, ja tiketti on siihen asti odottamassa.",
				solve:  "Tilaus {order} on peruttu, ja {amount} on palautettu maksutavallesi. Saat vielä vahvistuksen sähköpostiisi. Jos tulee muuta kysyttävää, vastaa tähän viestiin.",
				note:   "Peruttu ennen lähetystä, hyvitys tehty maksujärjestelmässä.",
			},
			"vi": {
				subjects: []string{"Hủy đơn {order}", "Nhờ shop hủy đơn giúp", "Lỡ đặt trùng hai đơn"},
				openings: []string{
					"Sáng nay tôi lỡ tay đặt đơn {order}, trong khi nhà đã có {product} rồi. Shop hủy đơn và hoàn tiền giúp tôi nhé.",
					"Tôi đặt nhầm hai lần cùng một {product}. Shop hủy giúp tôi một đơn ({order}) được không?",
				},
				ack:    "Dạ không sao ạ, em đã báo kho dừng đơn {order} trước khi đóng gói. Khi hủy xong em sẽ xác nhận lại với {anh} ngay ạ.",
				ask:    "Dạ em hủy giúp {anh} được ạ. Để chắc chắn hủy đúng đơn, {anh} muốn giữ đơn đặt trước và hủy đơn {order}, hay ngược lại ạ?",
				answer: "Giữ đơn đặt trước, hủy đơn {order} giúp tôi. Cảm ơn shop!",
				hold:   "Dạ, đơn {order} đã được đóng gói nên kho cần rút ra khỏi chuyến hàng xuất. Sáng mai kho sẽ xác nhận, em tạm giữ yêu cầu đến lúc đó ạ.",
				solve:  "Dạ, đơn {order} đã được hủy và số tiền {amount} đã được hoàn về phương thức thanh toán của {anh}. {Anh} cũng sẽ nhận được email xác nhận. Nếu cần hỗ trợ thêm, {anh} cứ trả lời email này ạ.",
				note:   "Đã hủy trước khi xuất kho, đã hoàn tiền trên hệ thống thanh toán.",
			},
			"hi": {
				subjects: []string{"ऑर्डर {order} कैंसल करें", "कृपया मेरा ऑर्डर रद्द करें", "ग़लती से दो बार ऑर्डर हो गया"},
				openings: []string{
					"आज सुबह ग़लती से ऑर्डर {order} हो गया, मेरे पास पहले से {product} है। कृपया इसे कैंसल करके पैसे वापस कर दीजिए।",
					"ग़लती से मैंने एक ही चीज़ ({product}) के दो ऑर्डर कर दिए। क्या आप एक ऑर्डर ({order}) रद्द कर सकते हैं?",
				},
				ack:    "कोई बात नहीं – मैंने वेयरहाउस को पैकिंग से पहले ऑर्डर {order} रोकने को कह दिया है। कैंसलेशन होते ही हम आपको पुष्टि भेज देंगे।",
				ask:    "ऑर्डर कैंसल हो जाएगा। बस यह पक्का करने के लिए कि सही ऑर्डर रद्द हो: आप पहला ऑर्डर रखना चाहते हैं और {order} कैंसल करना, या इसका उल्टा?",
				answer: "पहला वाला रखिए, {order} कैंसल कर दीजिए। धन्यवाद!",
				hold:   "ऑर्डर {order} पैक हो चुका था, इसलिए वेयरहाउस को उसे आउटगोइंग शिपमेंट से निकालना होगा। वे कल सुबह पुष्टि करेंगे; तब तक टिकट होल्ड पर है।",
				solve:  "ऑर्डर {order} रद्द कर दिया गया है और {amount} आपके भुगतान माध्यम में वापस भेज दिए गए हैं। पुष्टि का ईमेल भी आपको मिलेगा। कुछ और मदद चाहिए तो इसी संदेश का जवाब दें।",
				note:   "डिस्पैच से पहले कैंसल, पेमेंट सिस्टम में रिफ़ंड जारी।",
			},
		},
	},
	{
		key: "double_charge", category: "billing", team: teamBilling, order: true, tags: []string{"refund", "payment"},
		weight: 7, priority: [4]int{0, 4, 4, 2},
		text: map[string]lines{
			"en": {
				subjects: []string{"Charged twice for order {order}", "Double payment on my card", "Duplicate charge – please refund"},
				openings: []string{
					"I've just checked my banking app and I've been charged {amount} twice for order {order}. I only placed one order. Please refund the extra payment.",
					"My card shows two identical payments to you on the same day. The checkout page froze and I clicked pay again. Can you sort this out?",
				},
				ack:    "Thanks for flagging this. I can see two payment attempts for order {order}. I've asked our payments team to check which one was captured and will get back to you today.",
				ask:    "I'm sorry about that. To find the second payment, could you send the date, the last four digits of the card and the amount of each charge as shown in your banking app?",
				answer: "Both charges were on the 12th, card ending 4417, both {amount}. One of them still says 'pending'.",
				hold:   "I've checked with our payment provider: the second charge is an authorisation hold that was never captured. Your bank should release it automatically, which can take up to 5 working days. I've put the ticket on hold and will check again on Friday.",
				solve:  "The duplicate payment of {amount} has been refunded – you should see it on your statement within 3–5 working days. Sorry for the worry, and thanks for your patience.",
				note:   "Two captures in the payment log 40 s apart (double click at checkout). Refunded the second one; reported the double submit to the web team.",
			},
			"fi": {
				subjects: []string{"Veloitettu kahdesti – tilaus {order}", "Tuplaveloitus kortilla", "Kaksinkertainen maksu, pyydän hyvitystä"},
				openings: []string{
					"Katsoin juuri pankkisovelluksesta, että tilauksesta {order} on veloitettu {amount} kahteen kertaan. Tein vain yhden tilauksen. Palauttakaa ylimääräinen veloitus.",
					"Kortillani näkyy kaksi samansuuruista maksua teille samana päivänä. Kassasivu jumittui, ja painoin maksupainiketta uudelleen. Voitteko selvittää asian?",
				},
				ack:    "Kiitos, että ilmoitit. Näen tilauksella {order} kaksi maksuyritystä. Pyysin maksutiimiämme tarkistamaan, kumpi veloitettiin, ja palaan asiaan vielä tänään.",
				ask:    "Pahoittelen tilannetta. Jotta löydän toisen veloituksen, kertoisitko maksupäivän, kortin neljä viimeistä numeroa ja kummankin veloituksen summan pankkisovelluksen mukaan?",
				answer: "Molemmat veloitukset 12. päivä, kortin loppunumerot 4417, kumpikin {amount}. Toinen näkyy vielä katevarauksena.",
				hold:   "Tarkistin asian maksupalveluntarjoajalta: toinen veloitus on katevaraus, jota ei ole koskaan veloitettu. Pankkisi vapauttaa sen automaattisesti, mikä voi kestää enintään viisi arkipäivää. Laitoin tiketin odottamaan ja tarkistan tilanteen perjantaina.",
				solve:  "Kaksinkertainen veloitus ({amount}) on hyvitetty, ja sen pitäisi näkyä tilitapahtumissasi 3–5 arkipäivän kuluessa. Pahoittelut huolesta ja kiitos kärsivällisyydestä.",
				note:   "Maksulokissa kaksi veloitusta 40 s välein (tuplaklikkaus kassalla). Hyvitin jälkimmäisen; tuplalähetyksestä ilmoitettu verkkotiimille.",
			},
			"vi": {
				subjects: []string{"Bị trừ tiền hai lần – đơn {order}", "Thẻ bị trừ tiền trùng", "Thanh toán bị trùng, đề nghị hoàn tiền"},
				openings: []string{
					"Tôi vừa xem ứng dụng ngân hàng thì thấy đơn {order} bị trừ {amount} hai lần. Tôi chỉ đặt một đơn thôi. Nhờ shop hoàn lại khoản bị trừ thừa.",
					"Tài khoản của tôi có hai giao dịch giống hệt nhau thanh toán cho shop trong cùng một ngày. Lúc thanh toán trang web bị đơ nên tôi bấm lại. Shop kiểm tra giúp tôi với.",
				},
				ack:    "Dạ, cảm ơn {anh} đã báo cho bên em. Em thấy đơn {order} có hai lần thanh toán. Em đã chuyển bộ phận thanh toán kiểm tra giao dịch nào đã bị trừ tiền và sẽ phản hồi {anh} trong hôm nay ạ.",
				ask:    "Dạ, em xin lỗi về sự cố này. Để tìm giao dịch thứ hai, {anh} gửi giúp em ngày giao dịch, 4 số cuối của thẻ và số tiền của từng lần trừ như trên ứng dụng ngân hàng ạ.",
				answer: "Cả hai giao dịch ngày 12, thẻ đuôi 4417, mỗi lần {amount}. Một giao dịch vẫn đang ở trạng thái chờ xử lý.",
				hold:   "Dạ, em đã kiểm tra với cổng thanh toán: giao dịch thứ hai chỉ là khoản tạm giữ, chưa bị trừ thật. Ngân hàng sẽ tự động hoàn lại, có thể mất tối đa 5 ngày làm việc. Em tạm giữ yêu cầu và sẽ kiểm tra lại vào thứ Sáu ạ.",
				solve:  "Dạ, khoản thanh toán trùng {amount} đã được hoàn lại, {anh} sẽ thấy tiền về tài khoản trong 3–5 ngày làm việc. Bên em xin lỗi vì đã làm {anh} lo lắng và cảm ơn {anh} đã kiên nhẫn ạ.",
				note:   "Nhật ký thanh toán có 2 lần trừ tiền cách nhau 40 giây (khách bấm hai lần). Đã hoàn giao dịch sau; đã báo lỗi cho team web.",
			},
			"hi": {
				subjects: []string{"ऑर्डर {order} के लिए दो बार पैसे कटे", "कार्ड से डबल पेमेंट", "डुप्लीकेट चार्ज – कृपया रिफ़ंड करें"},
				openings: []string{
					"अभी बैंक ऐप में देखा कि ऑर्डर {order} के लिए {amount} दो बार कट गए हैं। मैंने सिर्फ़ एक ही ऑर्डर किया था। कृपया अतिरिक्त राशि वापस करें।",
					"मेरे खाते से एक ही दिन में आपको दो बार बराबर पेमेंट गया है। चेकआउट पेज अटक गया था, इसलिए मैंने दोबारा पे दबाया। कृपया इसे ठीक करें।",
				},
				ack:    "यह बताने के लिए धन्यवाद। ऑर्डर {order} पर मुझे दो पेमेंट प्रयास दिख रहे हैं। मैंने पेमेंट टीम से जाँचने को कहा है कि कौन-सा पेमेंट कैप्चर हुआ, और हम आज ही आपको जवाब देंगे।",
				ask:    "इस असुविधा के लिए खेद है। दूसरा पेमेंट ढूँढने के लिए कृपया भुगतान की तारीख़, कार्ड के आख़िरी चार अंक (या UPI ट्रांज़ैक्शन आईडी) और बैंक ऐप में दिख रही दोनों राशियाँ भेजें।",
				answer: "दोनों पेमेंट 12 तारीख़ के हैं, कार्ड के आख़िरी अंक 4417, दोनों {amount} के। एक अभी भी 'पेंडिंग' दिख रहा है।",
				hold:   "मैंने पेमेंट गेटवे से जाँच की: दूसरा चार्ज सिर्फ़ ऑथराइज़ेशन होल्ड है, जो कभी कैप्चर नहीं हुआ। आपका बैंक इसे अपने-आप रिलीज़ कर देगा, जिसमें 5 कार्यदिवस तक लग सकते हैं। टिकट होल्ड पर है, शुक्रवार को हम दोबारा जाँच करेंगे।",
				solve:  "डुप्लीकेट पेमेंट {amount} रिफ़ंड कर दिया गया है – यह 3–5 कार्यदिवस में आपके स्टेटमेंट में दिखेगा। परेशानी के लिए खेद है और धैर्य रखने के लिए धन्यवाद।",
				note:   "पेमेंट लॉग में 40 सेकंड के अंतर पर दो कैप्चर (चेकआउट पर डबल क्लिक)। दूसरा रिफ़ंड कर दिया; वेब टीम को डबल सबमिट की जानकारी दे दी।",
			},
		},
	},
	{
		key: "invoice", category: "billing", team: teamBilling, order: true, tags: []string{"invoice"},
		weight: 6, priority: [4]int{4, 5, 1, 0},
		text: map[string]lines{
			"en": {
				subjects: []string{"VAT invoice for order {order}", "Need an invoice with company details", "Invoice request"},
				openings: []string{
					"Could you send me a VAT invoice for order {order}? I bought the {product} for the office and our accounts team needs the company name and VAT number on it.",
					"The receipt for order {order} doesn't show our company details. Can you reissue it as an invoice to Brightwell Studio Ltd?",
				},
				ack:    "Of course – I've asked our billing system to reissue the invoice for order {order} with your company details. You'll have it by email within one working day.",
				ask:    "Happy to help. Please send the exact company name, billing address and VAT number as they should appear on the invoice.",
				answer: "Brightwell Studio Ltd, 5 Canal Wharf, Birmingham B1 2JT, VAT GB 123 4567 89.",
				hold:   "Changing the buyer on an issued invoice has to be approved by our finance department. I've sent the request and they usually handle these within two working days; the ticket is on hold until then.",
				solve:  "Your new invoice for order {order} is attached to the email we've just sent, with the company details and VAT number you gave. The old receipt has been cancelled in our system.",
				note:   "Company invoice requested: credit note for the old receipt + new invoice, approved by finance.",
			},
			"fi": {
				subjects: []string{"Lasku yrityksen tiedoilla – tilaus {order}", "ALV-lasku tilauksesta {order}", "Laskupyyntö"},
				openings: []string{
					"Voisitteko lähettää tilauksesta {order} laskun, jossa arvonlisävero on eritelty? Ostin tuotteen toimistolle, ja kirjanpito tarvitsee laskulle yrityksen nimen ja Y-tunnuksen.",
					"Tilauksen {order} kuitissa ei ole yrityksemme tietoja. Voitteko laatia laskun uudelleen nimellä Pöllänen Design Oy?",
				},
				ack:    "Totta kai – pyysin laskutusjärjestelmästä uuden laskun tilaukselle {order} yrityksenne tiedoilla. Saat sen sähköpostiisi yhden arkipäivän kuluessa.",
				ask:    "Autan mielelläni. Lähettäisitkö yrityksen virallisen nimen, laskutusosoitteen ja Y-tunnuksen juuri siinä muodossa kuin ne halutaan laskulle?",
				answer: "Pöllänen Design Oy, Satamakatu 5, 40100 Jyväskylä, Y-tunnus 1234567-8.",
				hold:   "Jo annetun laskun ostajatietojen muuttaminen vaatii talousosaston hyväksynnän. Lähetin pyynnön eteenpäin; yleensä ne käsitellään kahdessa arkipäivässä, ja tiketti on siihen asti odottamassa.",
				solve:  "Uusi lasku tilauksesta {order} on liitteenä juuri lähettämässämme sähköpostissa, yrityksen tiedoilla ja Y-tunnuksella. Vanha kuitti on mitätöity järjestelmässämme.",
				note:   "Yrityslasku pyydetty: hyvityslasku vanhasta kuitista + uusi lasku, talous hyväksyi.",
			},
			"vi": {
				subjects: []string{"Xuất hóa đơn VAT cho đơn {order}", "Cần hóa đơn đỏ ghi thông tin công ty", "Yêu cầu xuất hóa đơn"},
				openings: []string{
					"Shop xuất giúp tôi hóa đơn VAT cho đơn {order} nhé. Tôi mua {product} cho văn phòng nên kế toán cần hóa đơn có tên công ty và mã số thuế.",
					"Biên nhận đơn {order} không có thông tin công ty. Shop xuất lại hóa đơn đứng tên Công ty TNHH Thương mại Hòa Bình giúp tôi được không?",
				},
				ack:    "Dạ được ạ, em đã yêu cầu hệ thống xuất lại hóa đơn cho đơn {order} theo thông tin công ty của {anh}. {Anh} sẽ nhận hóa đơn qua email trong vòng 1 ngày làm việc ạ.",
				ask:    "Dạ, em hỗ trợ ngay ạ. {Anh} vui lòng gửi giúp em tên công ty, địa chỉ và mã số thuế chính xác như cần ghi trên hóa đơn ạ.",
				answer: "Công ty TNHH Thương mại Hòa Bình, 15 Phạm Ngọc Thạch, phường 6, Quận 3, TP. HCM, MST 0312345678.",
				hold:   "Dạ, việc thay đổi thông tin người mua trên hóa đơn đã xuất cần phòng kế toán phê duyệt. Em đã gửi đề nghị, thường được xử lý trong 2 ngày làm việc; em tạm giữ yêu cầu đến lúc đó ạ.",
				solve:  "Dạ, hóa đơn mới cho đơn {order} đã được gửi kèm email bên em vừa gửi, ghi đúng tên công ty và mã số thuế {anh} cung cấp. Biên nhận cũ đã được hủy trên hệ thống ạ.",
				note:   "Khách cần hóa đơn công ty: hủy biên nhận cũ + xuất hóa đơn mới, kế toán đã duyệt.",
			},
			"hi": {
				subjects: []string{"ऑर्डर {order} का GST इनवॉइस चाहिए", "कंपनी के नाम से बिल चाहिए", "इनवॉइस रिक्वेस्ट"},
				openings: []string{
					"कृपया ऑर्डर {order} का GST इनवॉइस भेज दीजिए। यह ऑर्डर ऑफ़िस के लिए किया था ({product}) और अकाउंट्स टीम को बिल पर कंपनी का नाम और GSTIN चाहिए।",
					"ऑर्डर {order} की रसीद पर हमारी कंपनी का विवरण नहीं है। क्या आप इसे शर्मा एंटरप्राइज़ेज़ के नाम से दोबारा जारी कर सकते हैं?",
				},
				ack:    "ज़रूर – मैंने बिलिंग सिस्टम से ऑर्डर {order} का इनवॉइस आपकी कंपनी के विवरण के साथ दोबारा जारी करने को कह दिया है। एक कार्यदिवस के अंदर यह आपके ईमेल पर आ जाएगा।",
				ask:    "हम मदद करेंगे। कृपया कंपनी का सही नाम, बिलिंग पता और GSTIN ठीक वैसे भेजें जैसे इनवॉइस पर चाहिए।",
				answer: "शर्मा एंटरप्राइज़ेज़, 221 नेहरू प्लेस, नई दिल्ली – 110019, GSTIN 07ABCDE1234F1Z5.",
				hold:   "जारी हो चुके इनवॉइस में ख़रीदार का विवरण बदलने के लिए फ़ाइनेंस विभाग की मंज़ूरी ज़रूरी है। अनुरोध भेज दिया है; आमतौर पर दो कार्यदिवस लगते हैं, तब तक टिकट होल्ड पर है।",
				solve:  "ऑर्डर {order} का नया GST इनवॉइस अभी भेजे गए ईमेल में अटैच है, जिसमें आपकी दी हुई कंपनी की जानकारी और GSTIN है। पुरानी रसीद हमारे सिस्टम में रद्द कर दी गई है।",
				note:   "कंपनी के नाम इनवॉइस चाहिए: पुरानी रसीद का क्रेडिट नोट + नया इनवॉइस, फ़ाइनेंस से मंज़ूरी मिल गई।",
			},
		},
	},
	{
		key: "refund_late", category: "billing", team: teamBilling, order: true, tags: []string{"refund"},
		weight: 7, priority: [4]int{0, 5, 4, 1},
		text: map[string]lines{
			"en": {
				subjects: []string{"Refund not received for order {order}", "Still waiting for my refund", "Where is my money? Return sent 3 weeks ago"},
				openings: []string{
					"I returned the {product} from order {order} three weeks ago and got an email saying the return was received, but the refund of {amount} still hasn't reached my account.",
					"You promised a refund within 5 days. It's been two weeks. Please tell me what's going on with my money (order {order}).",
				},
				ack:    "I'm sorry the refund is taking so long. I've checked order {order}: the return was received, but the refund is still waiting for approval. I've escalated it to be processed today.",
				ask:    "I'm sorry for the delay. The refund for order {order} has left us – to trace it with your bank, could you confirm the last four digits of the card you paid with?",
				answer: "It was my Visa ending 0932. Nothing had come through as of this morning.",
				hold:   "Our payment provider has confirmed the refund left us, and I've asked them for the bank reference number so your bank can trace it. They normally respond within 2 working days; the ticket is on hold until then.",
				solve:  "The refund of {amount} for order {order} has now been paid (reference RF-20931). It can take up to 3 working days to appear on your statement. Apologies for the long wait.",
				note:   "Refund stuck in the approval queue because the return scan was missing. Approved manually.",
			},
			"fi": {
				subjects: []string{"Hyvitys puuttuu – tilaus {order}", "Odotan yhä rahojani takaisin", "Palautuksen hyvitys ei ole tullut"},
				openings: []string{
					"Palautin tilauksen {order} tuotteen kolme viikkoa sitten ja sain viestin, että palautus on vastaanotettu, mutta {amount} hyvitys ei ole vieläkään näkynyt tililläni.",
					"Lupasitte hyvityksen viidessä päivässä. Nyt on kulunut kaksi viikkoa. Kertokaa, mitä rahoilleni on tapahtunut (tilaus {order}).",
				},
				ack:    "Pahoittelen, että hyvitys on viipynyt. Tarkistin tilauksen {order}: palautus on vastaanotettu, mutta hyvitys odottaa yhä hyväksyntää. Pyysin, että se käsitellään vielä tänään.",
				ask:    "Pahoittelen viivettä. Hyvitys tilauksesta {order} on lähtenyt meiltä, ja jotta voin jäljittää sen pankin kanssa, vahvistaisitko maksukortin neljä viimeistä numeroa?",
				answer: "Maksoin Visalla, jonka loppunumerot ovat 0932. Tänä aamuna ei ollut vielä mitään tullut.",
				hold:   "Maksunvälittäjämme on vahvistanut, että hyvitys on lähtenyt meiltä, ja pyysin heiltä pankin viitenumeron, jolla pankkisi voi jäljittää maksun. He vastaavat yleensä kahdessa arkipäivässä; tiketti odottaa siihen asti.",
				solve:  "Tilauksen {order} hyvitys ({amount}) on nyt maksettu (viite RF-20931). Summan näkyminen tilitapahtumissa voi kestää enintään kolme arkipäivää. Pahoittelut pitkästä odotuksesta.",
				note:   "Hyvitys jumissa hyväksyntäjonossa, koska palautuksen skannaus puuttui. Hyväksytty käsin.",
			},
			"vi": {
				subjects: []string{"Chưa nhận được tiền hoàn – đơn {order}", "Vẫn đang chờ hoàn tiền", "Đã trả hàng 3 tuần mà chưa được hoàn tiền"},
				openings: []string{
					"Tôi đã trả lại {product} của đơn {order} từ ba tuần trước và nhận được email báo shop đã nhận hàng, nhưng đến giờ khoản hoàn {amount} vẫn chưa về tài khoản.",
					"Shop hứa hoàn tiền trong 5 ngày mà nay đã hai tuần rồi. Shop cho tôi biết tiền của tôi đang ở đâu (đơn {order})?",
				},
				ack:    "Dạ, em rất xin lỗi vì việc hoàn tiền bị chậm. Em đã kiểm tra đơn {order}: kho đã nhận hàng trả nhưng khoản hoàn vẫn đang chờ duyệt. Em đã đề nghị xử lý gấp trong hôm nay ạ.",
				ask:    "Dạ, em xin lỗi vì sự chậm trễ. Bên em đã chuyển khoản hoàn cho đơn {order}; để tra soát với ngân hàng, {anh} xác nhận giúp em 4 số cuối của thẻ đã thanh toán ạ.",
				answer: "Tôi thanh toán bằng thẻ Visa đuôi 0932. Sáng nay kiểm tra vẫn chưa thấy tiền.",
				hold:   "Dạ, cổng thanh toán đã xác nhận tiền hoàn đã được chuyển đi, em đang đề nghị họ cung cấp mã tham chiếu để ngân hàng của {anh} tra soát. Họ thường phản hồi trong 2 ngày làm việc; em tạm giữ yêu cầu đến lúc đó ạ.",
				solve:  "Dạ, khoản hoàn {amount} cho đơn {order} đã được chuyển (mã tham chiếu RF-20931). Có thể mất đến 3 ngày làm việc để hiển thị trong sao kê. Bên em xin lỗi vì {anh} đã phải chờ lâu ạ.",
				note:   "Khoản hoàn bị kẹt ở bước duyệt do thiếu quét nhận hàng trả. Đã duyệt thủ công.",
			},
			"hi": {
				subjects: []string{"ऑर्डर {order} का रिफ़ंड नहीं मिला", "अब भी रिफ़ंड का इंतज़ार है", "रिटर्न के 3 हफ़्ते बाद भी पैसे नहीं आए"},
				openings: []string{
					"तीन हफ़्ते पहले मैंने ऑर्डर {order} का सामान वापस भेजा था और ईमेल भी आया कि रिटर्न मिल गया है, लेकिन {amount} का रिफ़ंड अब तक मेरे खाते में नहीं आया।",
					"आपने 5 दिन में रिफ़ंड का वादा किया था, आज दो हफ़्ते हो गए। कृपया बताइए मेरे पैसे कहाँ हैं (ऑर्डर {order})।",
				},
				ack:    "रिफ़ंड में इतनी देरी के लिए हमें खेद है। मैंने ऑर्डर {order} देखा: रिटर्न मिल चुका है, लेकिन रिफ़ंड अभी अप्रूवल में अटका है। मैंने इसे आज ही प्रोसेस करवाने के लिए आगे भेज दिया है।",
				ask:    "देरी के लिए खेद है। ऑर्डर {order} का रिफ़ंड हमारी तरफ़ से भेजा जा चुका है; बैंक से ट्रेस करवाने के लिए कृपया भुगतान वाले कार्ड के आख़िरी चार अंक या UPI आईडी बताइए।",
				answer: "पेमेंट UPI से किया था, आईडी मेरे मोबाइल नंबर वाली है। आज सुबह तक कुछ नहीं आया।",
				hold:   "पेमेंट गेटवे ने पुष्टि की है कि रिफ़ंड हमारी तरफ़ से जा चुका है; हमने उनसे बैंक रेफ़रेंस नंबर (RRN) माँगा है ताकि आपका बैंक इसे ट्रेस कर सके। आमतौर पर 2 कार्यदिवस में जवाब आता है; तब तक टिकट होल्ड पर है।",
				solve:  "ऑर्डर {order} का {amount} का रिफ़ंड अब जारी हो गया है (रेफ़रेंस RF-20931)। स्टेटमेंट में दिखने में 3 कार्यदिवस तक लग सकते हैं। लंबे इंतज़ार के लिए क्षमा करें।",
				note:   "रिटर्न स्कैन न होने से रिफ़ंड अप्रूवल में अटका था। मैन्युअली अप्रूव कर दिया।",
			},
		},
	},
	{
		key: "product_question", category: "product", team: teamTechnical, tags: []string{"presales"},
		weight: 7, priority: [4]int{5, 5, 0, 0},
		text: map[string]lines{
			"en": {
				subjects: []string{"Question about the {product}", "Is the {product} right for me?", "Product question before ordering"},
				openings: []string{
					"I'm thinking of buying the {product}. Does it work with ordinary 230 V sockets, and is the warranty valid if I use it in a small café?",
					"Before I order: how loud is the {product} in normal use, and can I buy spare parts and filters from you later?",
				},
				ack:    "Thanks for your question! I'm checking the specifications and the manufacturer's information and will send you the details shortly.",
				ask:    "Happy to help you choose. How large is the room you'd use it in, and how many hours a day would it run? That tells me which model fits best.",
				answer: "It's about 40 m², open-plan kitchen and living room, and it would run most of the day. Thanks!",
				hold:   "Good question – the manufacturer's datasheet doesn't say. I've asked their technical team and they normally answer within a couple of days. I'll get back to you as soon as I have a reliable answer.",
				solve:  "Here are the details: this model runs on a standard 230 V socket, the noise level is around 45 dB on the normal setting, and spare parts and filters are available from us for at least five years. The warranty is two years for home use and one year for business use. Let me know if you have any other questions!",
				note:   "Checked the datasheet + manufacturer FAQ. Business-use warranty 12 months – confirmed with the manufacturer's rep.",
			},
			"fi": {
				subjects: []string{"Kysymys tuotteesta: {product}", "Sopiiko {product} minulle?", "Kysymys ennen tilausta"},
				openings: []string{
					"Harkitsen {product:g} ostamista. Toimiiko se tavallisessa pistorasiassa, ja onko takuu voimassa, jos käytän sitä pienessä kahvilassa?",
					"Ennen kuin tilaan: kuinka äänekäs {product} on normaalikäytössä, ja voiko teiltä ostaa myöhemmin varaosia ja suodattimia?",
				},
				ack:    "Kiitos kysymyksestä! Tarkistan tekniset tiedot ja valmistajan ohjeet ja lähetän tiedot pian.",
				ask:    "Autan mielelläni valinnassa. Kuinka suuressa tilassa laitetta käytettäisiin, ja montako tuntia päivässä? Niiden perusteella osaan suositella sopivimman mallin.",
				answer: "Tilaa on noin 40 m², avokeittiö ja olohuone, ja laite olisi päällä suurimman osan päivästä. Kiitos!",
				hold:   "Hyvä kysymys – valmistajan tuoteselosteessa asiaa ei kerrota. Kysyin valmistajan tekniseltä tuelta, ja he vastaavat yleensä parin päivän sisällä. Palaan asiaan heti, kun saan luotettavan vastauksen.",
				solve:  "Tässä tiedot: malli toimii tavallisessa 230 V:n pistorasiassa, äänitaso on normaaliasetuksella noin 45 dB, ja varaosia sekä suodattimia saa meiltä vähintään viiden vuoden ajan. Kotikäytössä takuu on kaksi vuotta, ammattikäytössä yksi vuosi. Kysy ihmeessä lisää, jos jokin jäi mietityttämään!",
				note:   "Tarkistettu tuoteseloste + valmistajan UKK. Ammattikäytön takuu 12 kk – varmistettu valmistajan edustajalta.",
			},
			"vi": {
				subjects: []string{"Hỏi về {product}", "{product} có phù hợp với tôi không?", "Cần tư vấn trước khi mua"},
				openings: []string{
					"Tôi đang định mua {product}. Máy có dùng điện 220 V bình thường được không, và nếu dùng trong quán cà phê nhỏ thì có được bảo hành không?",
					"Trước khi đặt hàng cho tôi hỏi: {product} khi chạy bình thường có ồn không, và sau này có mua được phụ kiện, bộ lọc thay thế ở shop không?",
				},
				ack:    "Dạ, cảm ơn {anh} đã quan tâm! Em đang kiểm tra thông số kỹ thuật và tài liệu của hãng, sẽ gửi thông tin chi tiết cho {anh} ngay ạ.",
				ask:    "Dạ, em tư vấn {anh} ngay ạ. {Anh} định dùng trong không gian rộng khoảng bao nhiêu mét vuông và mỗi ngày chạy mấy tiếng ạ? Như vậy em sẽ gợi ý được mẫu phù hợp nhất.",
				answer: "Khoảng 40 m², phòng khách liền bếp, gần như bật cả ngày. Cảm ơn em.",
				hold:   "Dạ, câu hỏi rất hay ạ – tài liệu của hãng không ghi rõ. Em đã gửi câu hỏi cho bộ phận kỹ thuật của hãng, thường họ trả lời trong vài ngày. Khi có câu trả lời chính xác em sẽ báo {anh} ngay ạ.",
				solve:  "Dạ, em gửi {anh} thông tin: mẫu này dùng điện 220 V tiêu chuẩn, độ ồn ở chế độ thường khoảng 45 dB, phụ kiện và bộ lọc thay thế có bán tại cửa hàng ít nhất 5 năm. Bảo hành 24 tháng khi dùng trong gia đình, 12 tháng nếu dùng cho kinh doanh. {Anh} cần hỏi thêm gì cứ nhắn em nhé!",
				note:   "Đã đối chiếu thông số kỹ thuật + FAQ của hãng. Bảo hành dùng cho kinh doanh 12 tháng – đã xác nhận với đại diện hãng.",
			},
			"hi": {
				subjects: []string{"{product} के बारे में सवाल", "{product} ख़रीदने से पहले कुछ सवाल", "प्रोडक्ट से जुड़ा सवाल"},
				openings: []string{
					"मैं {product} ख़रीदने की सोच {g:रहा|रही} हूँ। क्या इसे घर के सामान्य 230 V सॉकेट में इस्तेमाल किया जा सकता है, और अगर छोटे कैफ़े में इस्तेमाल करूँ तो क्या वारंटी मान्य रहेगी?",
					"ऑर्डर करने से पहले जानना है: सामान्य इस्तेमाल में {product} की आवाज़ कितनी होती है, और क्या बाद में इसके फ़िल्टर और स्पेयर पार्ट्स आपसे मिल जाएँगे?",
				},
				ack:    "सवाल पूछने के लिए धन्यवाद! हम स्पेसिफ़िकेशन और निर्माता की जानकारी चेक कर रहे हैं, पूरी जानकारी जल्द ही भेजते हैं।",
				ask:    "सही मॉडल चुनने में हम मदद करेंगे। कृपया बताइए कि इसे कितने बड़े कमरे में इस्तेमाल करेंगे और दिन में कितने घंटे चलाएँगे? इससे सबसे उपयुक्त मॉडल बताना आसान होगा।",
				answer: "करीब 40 वर्ग मीटर का हॉल है, किचन भी उसी में खुलता है, और दिन भर चलाना है। धन्यवाद!",
				hold:   "अच्छा सवाल है – निर्माता की डेटाशीट में इसका ज़िक्र नहीं है। हमने उनकी तकनीकी टीम से पूछा है, आमतौर पर दो-तीन दिन में जवाब आ जाता है। पक्की जानकारी मिलते ही हम आपको बताएँगे।",
				solve:  "जानकारी इस प्रकार है: यह मॉडल सामान्य 230 V सॉकेट पर चलता है, नॉर्मल सेटिंग पर आवाज़ लगभग 45 dB होती है, और फ़िल्टर व स्पेयर पार्ट्स हमारे पास कम से कम पाँच साल तक उपलब्ध रहेंगे। घरेलू इस्तेमाल पर वारंटी दो साल की है, व्यावसायिक इस्तेमाल पर एक साल की। कोई और सवाल हो तो ज़रूर पूछें!",
				note:   "डेटाशीट और निर्माता के FAQ से मिलान किया। व्यावसायिक इस्तेमाल पर वारंटी 12 महीने – निर्माता के प्रतिनिधि से पुष्टि हो गई।",
			},
		},
	},
	{
		key: "not_working", category: "technical", team: teamTechnical, order: true, tags: []string{"warranty", "defect"},
		weight: 8, priority: [4]int{0, 5, 4, 1},
		text: map[string]lines{
			"en": {
				subjects: []string{"{product} stopped working", "{product} won't switch on", "Faulty {product} – warranty repair?"},
				openings: []string{
					"My {product} (order {order}) worked fine for a month and now it won't switch on at all. I've tried another socket. It's still under warranty – what are my options?",
					"The {product} keeps switching itself off after a few minutes and shows error E4. I've already tried resetting it as the manual says.",
				},
				ack:    "Sorry to hear that. I'm checking your device against the manufacturer's known issues and will get back to you shortly.",
				ask:    "Thanks for the details. To check whether this is a known fault, could you tell me the serial number (on the sticker underneath) and whether the light on the power button blinks when you plug it in?",
				answer: "Serial number SN2207-88413. The light blinks orange three times and then goes off.",
				hold:   "Three orange blinks means the power board has failed. I've asked the manufacturer to authorise a warranty replacement, which usually takes 2–3 working days. The ticket is on hold until I have their approval.",
				solve:  "The manufacturer has approved a warranty replacement. A new unit will be delivered within 3 working days, and the driver will collect the faulty one at the same time. Please keep the accessories – you won't need to send them back.",
				note:   "Known fault in batch 2207: power board. Manufacturer approves a swap without inspection – order a replacement, no repair.",
			},
			"fi": {
				subjects: []string{"{product} lakkasi toimimasta", "{product} ei käynnisty", "Viallinen tuote – takuukorjaus?"},
				openings: []string{
					"Tilaamani {product} (tilaus {order}) toimi kuukauden moitteetta, mutta nyt se ei käynnisty ollenkaan. Kokeilin toista pistorasiaa. Laitteella on vielä takuu – mitä vaihtoehtoja minulla on?",
					"{Product} sammuu itsestään muutaman minuutin päästä, ja näytöllä lukee virhe E4. Kokeilin jo nollausta käyttöohjeen mukaan.",
				},
				ack:    "Ikävä kuulla. Tarkistan, onko laitteessasi jokin valmistajan tuntema vika, ja palaan asiaan pian.",
				ask:    "Kiitos tiedoista. Jotta voin tarkistaa, onko kyseessä tunnettu vika, kertoisitko laitteen sarjanumeron (pohjassa olevassa tarrassa) ja vilkkuuko virtapainikkeen valo, kun kytket laitteen verkkovirtaan?",
				answer: "Sarjanumero on SN2207-88413. Valo vilkkuu oranssina kolme kertaa ja sammuu sitten.",
				hold:   "Kolme oranssia välähdystä tarkoittaa, että virtalähdekortti on hajonnut. Pyysin valmistajalta hyväksyntää takuuvaihdolle, mikä kestää yleensä 2–3 arkipäivää. Tiketti on odottamassa, kunnes saan hyväksynnän.",
				solve:  "Valmistaja hyväksyi takuuvaihdon. Saat uuden laitteen kolmen arkipäivän kuluessa, ja kuljettaja noutaa viallisen samalla kertaa. Lisävarusteet voit pitää, niitä ei tarvitse palauttaa.",
				note:   "Tunnettu vika erässä 2207: virtalähdekortti. Valmistaja hyväksyy vaihdon ilman tarkastusta – tilataan korvaava, ei korjausta.",
			},
			"vi": {
				subjects: []string{"{product} không hoạt động", "{product} không lên nguồn", "Sản phẩm bị lỗi – bảo hành thế nào?"},
				openings: []string{
					"{Product} tôi mua (đơn {order}) dùng được một tháng thì giờ không lên nguồn nữa. Tôi đã thử cắm ổ điện khác. Máy vẫn còn bảo hành, tôi phải làm sao?",
					"{Product} cứ chạy vài phút là tự tắt, màn hình báo lỗi E4. Tôi đã thử khởi động lại theo sách hướng dẫn rồi.",
				},
				ack:    "Dạ, em rất tiếc về sự cố này. Em đang đối chiếu máy của {anh} với danh sách lỗi đã biết của hãng và sẽ phản hồi {anh} sớm ạ.",
				ask:    "Dạ, cảm ơn {anh} đã mô tả chi tiết. Để kiểm tra đây có phải lỗi đã biết không, {anh} gửi giúp em số serial (trên tem dán dưới đáy máy) và cho em biết đèn nút nguồn có nhấp nháy khi cắm điện không ạ?",
				answer: "Số serial là SN2207-88413. Đèn nháy màu cam ba lần rồi tắt.",
				hold:   "Dạ, đèn cam nháy ba lần nghĩa là bo mạch nguồn bị hỏng. Em đã đề nghị hãng duyệt đổi máy bảo hành, thường mất 2–3 ngày làm việc. Em tạm giữ yêu cầu cho đến khi hãng phê duyệt ạ.",
				solve:  "Dạ, hãng đã duyệt đổi máy bảo hành. {Anh} sẽ nhận máy mới trong vòng 3 ngày làm việc, shipper sẽ thu hồi máy lỗi cùng lúc. Phụ kiện {anh} cứ giữ lại, không cần gửi trả ạ.",
				note:   "Lỗi đã biết của lô 2207: bo nguồn. Hãng duyệt đổi không cần kiểm định – đặt máy thay thế, không sửa.",
			},
			"hi": {
				subjects: []string{"{product} में ख़राबी", "{product} ऑन करने पर कुछ नहीं होता", "ख़राब प्रोडक्ट – वारंटी रिपेयर?"},
				openings: []string{
					"ऑर्डर {order} का प्रोडक्ट ({product}) एक महीने तक ठीक चला, लेकिन अब ऑन करने पर कुछ भी नहीं होता। दूसरा सॉकेट भी आज़माया। वारंटी अभी बाक़ी है – अब मुझे क्या करना चाहिए?",
					"कुछ मिनट चलने के बाद प्रोडक्ट ({product}) अपने-आप बंद हो जाता है और स्क्रीन पर E4 एरर आता है। मैंने मैनुअल के हिसाब से रीसेट भी करके देख लिया है।",
				},
				ack:    "यह सुनकर खेद हुआ। हम जाँच रहे हैं कि आपके डिवाइस में निर्माता की कोई ज्ञात ख़राबी तो नहीं है, और जल्द ही आपसे संपर्क करेंगे।",
				ask:    "जानकारी के लिए धन्यवाद। यह पता करने के लिए कि यह कोई ज्ञात ख़राबी है या नहीं, कृपया नीचे लगे स्टिकर पर लिखा सीरियल नंबर बताइए, और यह भी कि प्लग लगाने पर पावर बटन की लाइट झपकती है या नहीं।",
				answer: "सीरियल नंबर SN2207-88413 है। लाइट तीन बार नारंगी रंग में झपकती है और फिर बंद हो जाती है।",
				hold:   "तीन बार नारंगी लाइट का मतलब है कि पावर बोर्ड ख़राब हो गया है। हमने निर्माता से वारंटी रिप्लेसमेंट की मंज़ूरी माँगी है, जिसमें आमतौर पर 2–3 कार्यदिवस लगते हैं। मंज़ूरी मिलने तक टिकट होल्ड पर है।",
				solve:  "निर्माता ने वारंटी रिप्लेसमेंट मंज़ूर कर दिया है। नया पीस 3 कार्यदिवस में आप तक पहुँच जाएगा और डिलीवरी एजेंट उसी समय ख़राब पीस ले जाएगा। एक्सेसरीज़ आप अपने पास रखें, उन्हें लौटाने की ज़रूरत नहीं है।",
				note:   "बैच 2207 की ज्ञात ख़राबी: पावर बोर्ड। निर्माता बिना जाँच के बदलने को मंज़ूरी देता है – रिप्लेसमेंट ऑर्डर करें, रिपेयर नहीं।",
			},
		},
	},
	{
		key: "app_pairing", category: "technical", team: teamTechnical, smart: true, tags: []string{"app", "wifi"},
		weight: 6, priority: [4]int{1, 6, 2, 0},
		text: map[string]lines{
			"en": {
				subjects: []string{"{product} won't connect to the app", "Can't pair the {product} with my phone", "Wi-Fi setup fails"},
				openings: []string{
					"I can't get the {product} to connect to the app. It finds the device, but setup always stops at 80% with \"connection failed\". My phone is an iPhone 13 and the router is in the next room.",
					"After the last app update my {product} disappeared from the app and I can't add it back. I've restarted everything twice.",
				},
				ack:    "Thanks for the details. We're looking into this – there was an app update this week that we're checking first. We'll be back in touch shortly.",
				ask:    "Let's get this working. Could you tell me which app version you have (Settings → About) and whether your router has a 2.4 GHz network? The device can't join a 5 GHz-only network.",
				answer: "App version 3.8.1. I didn't know about 2.4 GHz – the router has one combined network with the same name for both bands.",
				hold:   "This looks like the bug in app version 3.8.1 that the manufacturer is already fixing. They've promised an update within a few days. I've put the ticket on hold and will let you know as soon as the fixed version is out.",
				solve:  "Try this: in your router settings give the 2.4 GHz band its own name (e.g. \"Home-2G\"), connect your phone to it and run the setup again next to the {product}. Once it's connected you can switch your phone back to your usual network. A fixed app version (3.8.2) is also out now.",
				note:   "Combined 2.4/5 GHz SSID – known pairing problem. Manufacturer bug APP-3811, fixed in 3.8.2.",
			},
			"fi": {
				subjects: []string{"{product} ei yhdisty sovellukseen", "En saa laitetta pariliitettyä puhelimeen", "Wi-Fi-asennus epäonnistuu"},
				openings: []string{
					"En saa laitetta yhdistettyä sovellukseen ({product}). Sovellus löytää laitteen, mutta asennus pysähtyy aina 80 prosenttiin ja tulee ilmoitus \"yhteys epäonnistui\". Puhelin on iPhone 13, ja reititin on viereisessä huoneessa.",
					"Sovelluksen viimeisimmän päivityksen jälkeen {product} katosi sovelluksesta, enkä saa lisättyä sitä takaisin. Olen käynnistänyt kaiken uudelleen kahdesti.",
				},
				ack:    "Kiitos tarkoista tiedoista. Selvitämme asiaa – tällä viikolla julkaistiin sovelluspäivitys, jonka vaikutuksen tarkistamme ensin. Palaamme asiaan pian.",
				ask:    "Saadaan tämä toimimaan. Kertoisitko, mikä sovellusversio sinulla on (Asetukset → Tietoja), ja onko reitittimessäsi 2,4 GHz:n verkko? Laite ei pysty liittymään pelkkään 5 GHz:n verkkoon.",
				answer: "Sovellusversio 3.8.1. En tiennyt tuosta 2,4 GHz:stä – reitittimessä on yksi yhteinen verkko samalla nimellä molemmille taajuuksille.",
				hold:   "Kyseessä näyttää olevan sovellusversion 3.8.1 virhe, jota valmistaja on jo korjaamassa. He ovat luvanneet päivityksen muutaman päivän sisällä. Laitoin tiketin odottamaan ja ilmoitan heti, kun korjattu versio on saatavilla.",
				solve:  "Kokeile näin: anna reitittimen asetuksissa 2,4 GHz:n taajuudelle oma nimi (esim. \"Koti-2G\"), yhdistä puhelin siihen ja tee asennus uudelleen laitteen vieressä. Kun yhteys on muodostettu, voit vaihtaa puhelimen takaisin tavalliseen verkkoon. Korjattu sovellusversio 3.8.2 on nyt myös julkaistu.",
				note:   "Yhteinen 2,4/5 GHz SSID – tunnettu paritusongelma. Valmistajan bugi APP-3811, korjattu versiossa 3.8.2.",
			},
			"vi": {
				subjects: []string{"{product} không kết nối được với ứng dụng", "Không ghép nối được {product} với điện thoại", "Cài đặt Wi-Fi bị lỗi"},
				openings: []string{
					"Tôi không kết nối được {product} với ứng dụng. App tìm thấy thiết bị nhưng lần nào cài đặt cũng dừng ở 80% và báo \"kết nối thất bại\". Tôi dùng iPhone 13, router ở ngay phòng bên cạnh.",
					"Sau lần cập nhật app gần nhất, {product} biến mất khỏi ứng dụng và tôi không thêm lại được. Tôi đã khởi động lại mọi thứ hai lần rồi.",
				},
				ack:    "Dạ, cảm ơn {anh} đã mô tả chi tiết. Bên em đang kiểm tra – tuần này ứng dụng vừa có bản cập nhật nên bên em kiểm tra phần đó trước. Bên em sẽ phản hồi {anh} sớm ạ.",
				ask:    "Dạ, mình cùng xử lý nhé. {Anh} cho em biết phiên bản ứng dụng đang dùng (Cài đặt → Giới thiệu) và router nhà mình có phát sóng 2,4 GHz không ạ? Thiết bị không kết nối được với mạng chỉ có 5 GHz.",
				answer: "App phiên bản 3.8.1. Tôi không biết vụ 2,4 GHz – router nhà tôi phát chung một tên mạng cho cả hai băng tần.",
				hold:   "Dạ, đây có vẻ là lỗi của ứng dụng phiên bản 3.8.1 mà hãng đang khắc phục. Hãng hẹn sẽ có bản cập nhật trong vài ngày tới. Em tạm giữ yêu cầu và sẽ báo {anh} ngay khi có bản sửa lỗi ạ.",
				solve:  "Dạ, {anh} thử cách này giúp em: trong cài đặt router, đặt tên riêng cho băng tần 2,4 GHz (ví dụ \"Nha-2G\"), kết nối điện thoại vào mạng đó rồi cài đặt lại khi đứng gần {product}. Sau khi kết nối xong {anh} có thể chuyển điện thoại về mạng cũ. Hiện hãng cũng đã phát hành bản sửa lỗi 3.8.2 ạ.",
				note:   "SSID chung 2,4/5 GHz – lỗi ghép nối đã biết. Bug của hãng APP-3811, đã sửa ở bản 3.8.2.",
			},
			"hi": {
				subjects: []string{"{product} का ऐप से कनेक्शन नहीं बन रहा", "फ़ोन से पेयरिंग नहीं हो रही – {product}", "Wi-Fi सेटअप फ़ेल हो रहा है"},
				openings: []string{
					"{product} को ऐप से जोड़ नहीं पा {g:रहा|रही} हूँ। ऐप डिवाइस को ढूँढ लेता है, लेकिन सेटअप हर बार 80% पर रुक जाता है और \"कनेक्शन फ़ेल\" लिखा आता है। मेरा फ़ोन iPhone 13 है और राउटर बगल वाले कमरे में है।",
					"पिछले ऐप अपडेट के बाद से ऐप में मेरा डिवाइस ({product}) दिखना बंद हो गया है और दोबारा जोड़ने पर भी नहीं जुड़ता। मैं दो बार सब कुछ रीस्टार्ट कर {g:चुका|चुकी} हूँ।",
				},
				ack:    "विस्तार से बताने के लिए धन्यवाद। हम इसकी जाँच कर रहे हैं – इस हफ़्ते ऐप का एक अपडेट आया था, पहले उसी को चेक कर रहे हैं। जल्द ही आपसे संपर्क करेंगे।",
				ask:    "चलिए इसे ठीक करते हैं। कृपया बताइए कि आपके पास ऐप का कौन-सा वर्ज़न है (Settings → About), और क्या आपका राउटर 2.4 GHz नेटवर्क देता है? डिवाइस सिर्फ़ 5 GHz वाले नेटवर्क से नहीं जुड़ सकता।",
				answer: "ऐप वर्ज़न 3.8.1 है। 2.4 GHz के बारे में पता नहीं था – राउटर दोनों बैंड के लिए एक ही नाम का नेटवर्क चलाता है।",
				hold:   "यह ऐप वर्ज़न 3.8.1 की वही गड़बड़ी लगती है जिसे निर्माता ठीक कर रहा है। उन्होंने कुछ दिनों में अपडेट देने का वादा किया है। तब तक टिकट होल्ड पर है, ठीक किया हुआ वर्ज़न आते ही हम आपको बताएँगे।",
				solve:  "कृपया यह आज़माएँ: राउटर की सेटिंग में 2.4 GHz बैंड को अलग नाम दें (जैसे \"Home-2G\"), फ़ोन को उसी से जोड़ें और डिवाइस के पास खड़े होकर सेटअप दोबारा करें। कनेक्ट होने के बाद फ़ोन को फिर से अपने सामान्य नेटवर्क पर ले जा सकते हैं। ऐप का सुधरा हुआ वर्ज़न 3.8.2 भी अब आ गया है।",
				note:   "2.4/5 GHz का एक ही SSID – पेयरिंग की ज्ञात समस्या। निर्माता का बग APP-3811, 3.8.2 में ठीक।",
			},
		},
	},
	{
		key: "complaint", category: "complaint", team: teamDelivery, order: true, voucher: true, tags: []string{"complaint", "courier"},
		weight: 6, priority: [4]int{0, 3, 5, 2},
		text: map[string]lines{
			"en": {
				subjects: []string{"Complaint about your courier", "Very disappointed with the service", "Formal complaint – order {order}"},
				openings: []string{
					"Your courier marked my parcel (order {order}) as delivered but left it on the pavement outside the building in the rain. When I found it, the box was soaked. I've been a customer for years and I expect better.",
					"This is my third attempt to get an answer about order {order}. Nobody calls back, the chat closes on me, and I've been promised a callback twice. I'm very disappointed.",
				},
				ack:    "I'm really sorry – this is not the experience we want you to have. I've taken personal ownership of your case and asked my supervisor to review what happened. You'll hear from me by tomorrow at the latest.",
				ask:    "I'm sorry, and thank you for telling us. So that I can file a complaint with {carrier}, could you tell me roughly what time the parcel was left and whether anyone in the building saw the driver?",
				answer: "It was around 2 pm on Tuesday. My neighbour saw the van stop and drive off in less than a minute.",
				hold:   "I've filed a formal complaint with {carrier} and asked for the driver's GPS data for that delivery. They have five working days to respond; the case is on hold until they do, and I'll update you either way.",
				solve:  "Thank you for your patience. {carrier} has confirmed the driver did not follow the delivery instructions and has addressed it with him. As an apology we've added a {amount} voucher to your account. I'm sorry again for the trouble.",
				note:   "Customer very unhappy, long-time customer. Complaint filed with {carrier}. Asking the supervisor to approve a goodwill voucher.",
			},
			"fi": {
				subjects: []string{"Reklamaatio kuljettajasta", "Olen todella pettynyt palveluun", "Virallinen valitus – tilaus {order}"},
				openings: []string{
					"Kuljettajanne merkitsi paketin (tilaus {order}) toimitetuksi, mutta jätti sen kerrostalon eteen jalkakäytävälle sateeseen. Kun löysin sen, laatikko oli likomärkä. Olen ollut asiakkaananne vuosia ja odotan parempaa.",
					"Yritän jo kolmatta kertaa saada vastauksen tilauksesta {order}. Kukaan ei soita takaisin, chat katkeaa, ja takaisinsoittoa on luvattu kahdesti. Olen todella pettynyt.",
				},
				ack:    "Olen todella pahoillani – tällaista kokemusta emme halua kenellekään. Otin asiasi henkilökohtaisesti hoitaakseni ja pyysin esihenkilöäni selvittämään tapahtuneen. Palaan asiaan viimeistään huomenna.",
				ask:    "Olen pahoillani, ja kiitos että kerroit. Jotta voin tehdä reklamaation kuljetusliikkeelle ({carrier}), kertoisitko suunnilleen, mihin aikaan paketti jätettiin ja näkikö joku talosta kuljettajan?",
				answer: "Kello oli noin 14 tiistaina. Naapurini näki, kun auto pysähtyi ja lähti alle minuutissa.",
				hold:   "Tein kuljetusliikkeelle ({carrier}) virallisen reklamaation ja pyysin kyseisen toimituksen GPS-tiedot. Heillä on viisi arkipäivää aikaa vastata; asia on odottamassa siihen asti, ja kerron tuloksesta joka tapauksessa.",
				solve:  "Kiitos kärsivällisyydestäsi. Kuljetusliike on vahvistanut, ettei kuljettaja noudattanut toimitusohjeita, ja asia on käyty hänen kanssaan läpi. Pahoittelun merkiksi lisäsimme tilillesi {amount} lahjakortin. Pahoittelen vielä kerran vaivaa.",
				note:   "Asiakas erittäin tyytymätön, pitkäaikainen asiakas. Reklamaatio tehty kuljetusliikkeelle. Pyydän esihenkilöltä hyväksyntää hyvityslahjakortille.",
			},
			"vi": {
				subjects: []string{"Khiếu nại về nhân viên giao hàng", "Rất thất vọng về dịch vụ", "Khiếu nại chính thức – đơn {order}"},
				openings: []string{
					"Shipper báo đã giao đơn {order} nhưng thực ra để kiện hàng trên vỉa hè trước chung cư, giữa trời mưa. Lúc tôi tìm thấy thì thùng đã ướt sũng. Tôi là khách quen nhiều năm và mong dịch vụ tốt hơn thế.",
					"Đây là lần thứ ba tôi hỏi về đơn {order}. Không ai gọi lại, chat thì bị ngắt, đã hứa gọi lại hai lần rồi. Tôi thật sự rất thất vọng.",
				},
				ack:    "Dạ, em thành thật xin lỗi {anh} – đây không phải trải nghiệm mà bên em mong muốn. Em sẽ trực tiếp theo dõi trường hợp của {anh} và đã nhờ trưởng nhóm xem xét sự việc. Chậm nhất ngày mai em sẽ phản hồi {anh} ạ.",
				ask:    "Dạ, em xin lỗi và cảm ơn {anh} đã phản ánh. Để lập khiếu nại với {carrier}, {anh} cho em biết khoảng mấy giờ hàng được để lại và có ai trong tòa nhà thấy shipper không ạ?",
				answer: "Khoảng 2 giờ chiều thứ Ba. Hàng xóm tôi thấy xe dừng lại rồi đi ngay chưa đầy một phút.",
				hold:   "Dạ, em đã gửi khiếu nại chính thức đến {carrier} và yêu cầu dữ liệu GPS của chuyến giao đó. Họ có 5 ngày làm việc để phản hồi; em tạm giữ yêu cầu đến khi có kết quả và sẽ báo lại {anh} dù kết quả thế nào ạ.",
				solve:  "Dạ, cảm ơn {anh} đã kiên nhẫn. {carrier} đã xác nhận shipper không làm đúng hướng dẫn giao hàng và đã nhắc nhở nhân viên này. Để xin lỗi, bên em đã tặng {anh} phiếu mua hàng trị giá {amount} vào tài khoản. Một lần nữa em xin lỗi vì sự phiền toái ạ.",
				note:   "Khách rất bức xúc, là khách quen lâu năm. Đã khiếu nại {carrier}. Xin trưởng nhóm duyệt phiếu quà tặng bồi thường.",
			},
			"hi": {
				subjects: []string{"कूरियर के बारे में शिकायत", "सेवा से बहुत निराश हूँ", "औपचारिक शिकायत – ऑर्डर {order}"},
				openings: []string{
					"आपके कूरियर ने मेरा पार्सल (ऑर्डर {order}) डिलीवर्ड दिखा दिया, लेकिन असल में उसे बारिश में बिल्डिंग के बाहर फ़ुटपाथ पर छोड़ दिया। जब तक मुझे मिला, डिब्बा पूरा भीग चुका था। मैं सालों से आपका ग्राहक हूँ और बेहतर सेवा की उम्मीद {g:करता|करती} हूँ।",
					"ऑर्डर {order} के बारे में यह मेरी तीसरी कोशिश है। कोई कॉल बैक नहीं करता, चैट बीच में बंद हो जाती है, दो बार कॉल बैक का वादा किया गया। मैं बहुत निराश हूँ।",
				},
				ack:    "हमें सच में बहुत खेद है – हम नहीं चाहते कि किसी ग्राहक को ऐसा अनुभव हो। आपका मामला मैंने ख़ुद अपने हाथ में लिया है और अपने सुपरवाइज़र से पूरी घटना की समीक्षा करने को कहा है। कल तक हम आपको जवाब ज़रूर देंगे।",
				ask:    "हमें खेद है, और बताने के लिए धन्यवाद। {carrier} के पास शिकायत दर्ज करने के लिए कृपया बताइए कि पार्सल लगभग किस समय छोड़ा गया था और क्या बिल्डिंग में किसी ने डिलीवरी एजेंट को देखा था?",
				answer: "मंगलवार को लगभग दोपहर 2 बजे। मेरे पड़ोसी ने देखा कि गाड़ी रुकी और एक मिनट से भी कम में चली गई।",
				hold:   "हमने {carrier} के पास औपचारिक शिकायत दर्ज कर दी है और उस डिलीवरी का GPS डेटा माँगा है। उनके पास जवाब देने के लिए पाँच कार्यदिवस हैं; तब तक मामला होल्ड पर है, और नतीजा जो भी हो, हम आपको ज़रूर बताएँगे।",
				solve:  "धैर्य रखने के लिए धन्यवाद। {carrier} ने माना है कि डिलीवरी एजेंट ने निर्देशों का पालन नहीं किया, और उन्होंने उससे इस बारे में बात की है। माफ़ी के तौर पर हमने आपके अकाउंट में {amount} का वाउचर जोड़ दिया है। असुविधा के लिए एक बार फिर क्षमा चाहते हैं।",
				note:   "ग्राहक बहुत नाराज़ है, पुराना ग्राहक है। {carrier} के पास शिकायत दर्ज। सुपरवाइज़र से गुडविल वाउचर की मंज़ूरी माँग रहे हैं।",
			},
		},
	},
	{
		key: "account", category: "other", team: teamBilling, order: true, tags: []string{"account"},
		weight: 5, priority: [4]int{3, 6, 1, 0},
		text: map[string]lines{
			"en": {
				subjects: []string{"Change the email on my account", "Can't log in – old email address", "Update my account details"},
				openings: []string{
					"I no longer have access to the email address on my account, so I can't reset my password. Could you change it to this address?",
					"I'd like to update the email address on my customer account. The old one is a work address I'm about to lose.",
				},
				ack:    "Thanks for getting in touch. For your security we verify the change before updating the account – I'll send you the next steps shortly.",
				ask:    "I can help with that. To confirm it's your account, please tell me the number of a recent order and the postcode it was delivered to.",
				answer: "My last order was {order}, delivered to postcode SW9 8EX.",
				hold:   "Thanks! Email changes on accounts with a saved payment card are confirmed by our security team, which takes 1–2 working days. The ticket is on hold until they've done it.",
				solve:  "Done – your account now uses this email address. You can reset your password from the login page, and the old address has been removed from the account and from our newsletter.",
				note:   "Identity verified with order number + postcode. Email changed in the customer account; old address removed from the newsletter list.",
			},
			"fi": {
				subjects: []string{"Sähköpostiosoitteen vaihto asiakastilille", "En pääse kirjautumaan – vanha sähköposti", "Asiakastietojen päivitys"},
				openings: []string{
					"Minulla ei ole enää pääsyä asiakastilini sähköpostiin, joten en voi vaihtaa salasanaa. Voisitteko vaihtaa tilille tämän uuden osoitteeni?",
					"Haluaisin päivittää asiakastilini sähköpostiosoitteen. Vanha on työosoite, joka poistuu käytöstä kuun lopussa.",
				},
				ack:    "Kiitos yhteydenotosta. Tietoturvasi vuoksi varmistamme muutoksen ennen tilin päivittämistä – lähetän sinulle pian ohjeet jatkosta.",
				ask:    "Autan mielelläni. Jotta voin varmistaa, että tili on sinun, kerro jonkin viimeaikaisen tilauksen numero ja postinumero, johon se toimitettiin.",
				answer: "Viimeisin tilaukseni on {order}, toimitettu postinumeroon 33100.",
				hold:   "Kiitos! Tileillä, joille on tallennettu maksukortti, sähköpostin vaihdon vahvistaa tietoturvatiimimme, mikä kestää 1–2 arkipäivää. Tiketti on odottamassa siihen asti.",
				solve:  "Valmista – asiakastililläsi on nyt tämä uusi sähköpostiosoite. Voit vaihtaa salasanan kirjautumissivun kautta, ja vanha osoite on poistettu tililtä ja uutiskirjeen postituslistalta.",
				note:   "Henkilöllisyys varmistettu tilausnumerolla + postinumerolla. Sähköposti vaihdettu asiakastilille; vanha osoite poistettu uutiskirjelistalta.",
			},
			"vi": {
				subjects: []string{"Đổi email tài khoản", "Không đăng nhập được vì email cũ", "Cập nhật thông tin tài khoản"},
				openings: []string{
					"Tôi không còn dùng được email đăng ký tài khoản nên không đặt lại mật khẩu được. Shop đổi giúp tôi sang email mới này nhé.",
					"Tôi muốn cập nhật email trên tài khoản khách hàng. Email cũ là email công ty, sắp tới tôi nghỉ việc nên sẽ không dùng được nữa.",
				},
				ack:    "Dạ, cảm ơn {anh} đã liên hệ. Để bảo mật, bên em cần xác minh trước khi cập nhật tài khoản – em sẽ gửi hướng dẫn các bước tiếp theo cho {anh} ngay ạ.",
				ask:    "Dạ, em hỗ trợ {anh} ngay ạ. Để xác nhận đây là tài khoản của {anh}, {anh} cho em xin mã một đơn hàng gần đây và quận/huyện nơi nhận hàng ạ.",
				answer: "Đơn gần nhất của tôi là {order}, giao về quận Bình Thạnh.",
				hold:   "Dạ, em cảm ơn {anh}! Với tài khoản có lưu thẻ thanh toán, việc đổi email cần bộ phận bảo mật xác nhận, mất khoảng 1–2 ngày làm việc. Em tạm giữ yêu cầu đến khi hoàn tất ạ.",
				solve:  "Dạ, tài khoản của {anh} đã được chuyển sang email mới này. {Anh} có thể đặt lại mật khẩu tại trang đăng nhập; email cũ đã được gỡ khỏi tài khoản và danh sách nhận bản tin ạ.",
				note:   "Đã xác minh danh tính bằng mã đơn + địa chỉ nhận. Đã đổi email trên tài khoản; gỡ email cũ khỏi danh sách bản tin.",
			},
			"hi": {
				subjects: []string{"अकाउंट का ईमेल बदलना है", "पुराने ईमेल की वजह से लॉगिन नहीं हो रहा", "अकाउंट की जानकारी अपडेट करें"},
				openings: []string{
					"मेरे अकाउंट में जो ईमेल है, उसका एक्सेस अब मेरे पास नहीं है, इसलिए पासवर्ड रीसेट नहीं कर पा {g:रहा|रही} हूँ। कृपया अकाउंट में मेरा यह नया ईमेल डाल दीजिए।",
					"मैं अपने कस्टमर अकाउंट का ईमेल अपडेट करना {g:चाहता|चाहती} हूँ। पुराना ईमेल ऑफ़िस का है और जल्द ही बंद हो जाएगा।",
				},
				ack:    "संपर्क करने के लिए धन्यवाद। आपकी सुरक्षा के लिए अकाउंट अपडेट करने से पहले हम बदलाव की पुष्टि करते हैं – आगे के स्टेप्स जल्द ही भेज रहे हैं।",
				ask:    "हम ज़रूर मदद करेंगे। यह पुष्टि करने के लिए कि अकाउंट आपका ही है, कृपया हाल के किसी ऑर्डर का नंबर और वह पिन कोड बताइए जहाँ वह डिलीवर हुआ था।",
				answer: "मेरा पिछला ऑर्डर {order} था, पिन कोड 400053 पर डिलीवर हुआ था।",
				hold:   "धन्यवाद! जिन अकाउंट्स में कार्ड सेव है, उनमें ईमेल बदलने की पुष्टि हमारी सिक्योरिटी टीम करती है, जिसमें 1–2 कार्यदिवस लगते हैं। तब तक टिकट होल्ड पर है।",
				solve:  "हो गया – अब आपके अकाउंट में यही नया ईमेल है। लॉगिन पेज से आप पासवर्ड रीसेट कर सकते हैं; पुराना ईमेल अकाउंट और न्यूज़लेटर सूची, दोनों से हटा दिया गया है।",
				note:   "ऑर्डर नंबर + पिन कोड से पहचान की पुष्टि हुई। अकाउंट का ईमेल बदल दिया; पुराना ईमेल न्यूज़लेटर सूची से हटा दिया।",
			},
		},
	},
}

// product is something the shop sells. Finnish needs the partitive and the
// genitive too; prices are written the way each market writes them.
type product struct {
	name        map[string]string
	fiPartitive string
	fiGenitive  string
	price       map[string]string
	smart       bool // has an app
}

var products = []product{
	{name: map[string]string{"en": "robot vacuum", "fi": "robotti-imuri", "vi": "robot hút bụi", "hi": "रोबोट वैक्यूम क्लीनर"},
		fiPartitive: "robotti-imuria", fiGenitive: "robotti-imurin", smart: true,
		price: map[string]string{"en": "£299.00", "fi": "349,00 €", "vi": "8.490.000 ₫", "hi": "₹24,990"}},
	{name: map[string]string{"en": "coffee machine", "fi": "kahvinkeitin", "vi": "máy pha cà phê", "hi": "कॉफ़ी मशीन"},
		fiPartitive: "kahvinkeitintä", fiGenitive: "kahvinkeittimen",
		price: map[string]string{"en": "£119.99", "fi": "129,90 €", "vi": "3.290.000 ₫", "hi": "₹11,499"}},
	{name: map[string]string{"en": "air purifier", "fi": "ilmanpuhdistin", "vi": "máy lọc không khí", "hi": "एयर प्यूरीफ़ायर"},
		fiPartitive: "ilmanpuhdistinta", fiGenitive: "ilmanpuhdistimen", smart: true,
		price: map[string]string{"en": "£179.00", "fi": "199,00 €", "vi": "4.990.000 ₫", "hi": "₹15,990"}},
	{name: map[string]string{"en": "blender", "fi": "tehosekoitin", "vi": "máy xay sinh tố", "hi": "मिक्सर ग्राइंडर"},
		fiPartitive: "tehosekoitinta", fiGenitive: "tehosekoittimen",
		price: map[string]string{"en": "£59.99", "fi": "69,90 €", "vi": "1.590.000 ₫", "hi": "₹4,299"}},
	{name: map[string]string{"en": "smartwatch", "fi": "älykello", "vi": "đồng hồ thông minh", "hi": "स्मार्टवॉच"},
		fiPartitive: "älykelloa", fiGenitive: "älykellon", smart: true,
		price: map[string]string{"en": "£199.00", "fi": "229,00 €", "vi": "5.490.000 ₫", "hi": "₹18,999"}},
	{name: map[string]string{"en": "electric kettle", "fi": "vedenkeitin", "vi": "ấm siêu tốc", "hi": "इलेक्ट्रिक केतली"},
		fiPartitive: "vedenkeitintä", fiGenitive: "vedenkeittimen",
		price: map[string]string{"en": "£34.99", "fi": "39,90 €", "vi": "690.000 ₫", "hi": "₹2,199"}},
	{name: map[string]string{"en": "Bluetooth speaker", "fi": "Bluetooth-kaiutin", "vi": "loa Bluetooth", "hi": "ब्लूटूथ स्पीकर"},
		fiPartitive: "Bluetooth-kaiutinta", fiGenitive: "Bluetooth-kaiuttimen", smart: true,
		price: map[string]string{"en": "£79.00", "fi": "89,00 €", "vi": "1.990.000 ₫", "hi": "₹6,499"}},
	{name: map[string]string{"en": "electric toothbrush", "fi": "sähköhammasharja", "vi": "bàn chải điện", "hi": "इलेक्ट्रिक टूथब्रश"},
		fiPartitive: "sähköhammasharjaa", fiGenitive: "sähköhammasharjan",
		price: map[string]string{"en": "£49.99", "fi": "59,90 €", "vi": "1.290.000 ₫", "hi": "₹3,999"}},
}

// vouchers are the goodwill vouchers of complaints, per market.
var vouchers = map[string]string{"en": "£20", "fi": "25 €", "vi": "500.000 ₫", "hi": "₹1,500"}

// carriers deliver the parcels, per market.
var carriers = map[string][]string{
	"en": {"DPD", "Royal Mail", "Evri"},
	"fi": {"Posti", "Matkahuolto", "DB Schenker"},
	"vi": {"Giao Hàng Nhanh", "Viettel Post", "J&T Express"},
	"hi": {"Delhivery", "Blue Dart", "India Post"},
}

// language holds the phrases around the scenario texts in one language.
// Greetings and sign-offs take {first} (how the customer is addressed),
// {anh} and {rep}; customer signatures take {first} and {full}.
type language struct {
	greetings  []string
	signoffs   []string
	signatures []string // the customer's, under an email or web message
	nudges     []string // the customer asks for news after a reply
	chasers    []string // the customer chases a first answer
	notes      []string // a rep's everyday internal notes
	escalate   string   // a rep's note when passing a ticket to the Technical team
}

var languages = map[string]language{
	"en": {
		greetings:  []string{"Hi {first},", "Hello {first},", "Dear {first},"},
		signoffs:   []string{"Best regards,\n{rep}\nCustomer Service", "Kind regards,\n{rep}", "Thanks,\n{rep}\nCustomer Service"},
		signatures: []string{"Thanks,\n{first}", "Best,\n{full}", "{full}"},
		nudges: []string{
			"Any update on this? I haven't heard anything for a couple of days.",
			"Hi again – is there any progress?",
		},
		chasers: []string{
			"Hello? I'm still waiting for an answer.",
			"Just checking you got my message – it's quite urgent for me.",
		},
		notes: []string{
			"Called the customer, no answer – left a voicemail.",
			"Checked the order history: no earlier contacts about this.",
			"Customer prefers email, please don't call.",
		},
		escalate: "Needs a specialist – passing it to the Technical team. I stay the owner; please answer the customer in this thread.",
	},
	"fi": {
		greetings:  []string{"Hei {first},", "Hei {first}!", "Hei,"},
		signoffs:   []string{"Ystävällisin terveisin\n{rep}\nAsiakaspalvelu", "Terveisin\n{rep}", "Mukavaa päivänjatkoa!\n{rep}\nAsiakaspalvelu"},
		signatures: []string{"Terveisin\n{full}", "t. {first}", "Ystävällisin terveisin\n{full}"},
		nudges: []string{
			"Onko asiassa mitään uutta? En ole kuullut mitään pariin päivään.",
			"Hei taas – onko asia edennyt?",
		},
		chasers: []string{
			"Hei, odotan yhä vastausta.",
			"Varmistan vain, että viestini meni perille – asia on minulle aika kiireellinen.",
		},
		notes: []string{
			"Soitin asiakkaalle, ei vastannut – jätin viestin vastaajaan.",
			"Tarkistin tilaushistorian: ei aiempia yhteydenottoja tästä asiasta.",
			"Asiakas toivoo yhteydenottoa sähköpostitse, ei puhelimitse.",
		},
		escalate: "Vaatii asiantuntijaa – siirrän Technical-tiimille. Pysyn asian omistajana; vastatkaa asiakkaalle tähän ketjuun.",
	},
	"vi": {
		greetings:  []string{"Chào {anh} {first},", "Kính chào {anh} {first},", "Chào {anh} {first} ạ,"},
		signoffs:   []string{"Trân trọng,\n{rep}\nBộ phận Chăm sóc khách hàng", "Thân mến,\n{rep}", "Trân trọng,\n{rep}"},
		signatures: []string{"Cảm ơn shop,\n{full}", "{full}", "Trân trọng,\n{full}"},
		nudges: []string{
			"Shop ơi, có cập nhật gì chưa ạ? Mấy hôm nay tôi chưa thấy thông tin gì thêm.",
			"Việc của tôi đến đâu rồi shop?",
		},
		chasers: []string{
			"Tôi vẫn đang chờ phản hồi của shop.",
			"Shop nhận được tin nhắn của tôi chưa? Việc này khá gấp với tôi.",
		},
		notes: []string{
			"Đã gọi cho khách nhưng không nghe máy – đã để lại lời nhắn.",
			"Đã kiểm tra lịch sử đơn: chưa có liên hệ nào trước đây về việc này.",
			"Khách muốn được liên hệ qua email, không gọi điện.",
		},
		escalate: "Cần chuyên viên xử lý – chuyển cho nhóm Technical. Em vẫn là người phụ trách; nhờ anh chị trả lời khách ngay trong luồng này.",
	},
	"hi": {
		greetings:  []string{"नमस्ते {first} जी,", "प्रिय {first} जी,", "नमस्कार {first} जी,"},
		signoffs:   []string{"धन्यवाद,\n{rep}\nग्राहक सेवा टीम", "सादर,\n{rep}", "धन्यवाद,\n{rep}"},
		signatures: []string{"धन्यवाद,\n{full}", "{full}", "सधन्यवाद,\n{full}"},
		nudges: []string{
			"क्या इस पर कोई अपडेट है? दो दिन से कोई ख़बर नहीं आई।",
			"मेरे मामले में कुछ प्रगति हुई?",
		},
		chasers: []string{
			"नमस्ते, मैं अब भी जवाब का इंतज़ार कर {g:रहा|रही} हूँ।",
			"बस यह पक्का करना था कि मेरा संदेश आप तक पहुँचा – मेरे लिए यह काफ़ी ज़रूरी है।",
		},
		notes: []string{
			"ग्राहक को कॉल किया, फ़ोन नहीं उठा – वॉइसमेल छोड़ दिया।",
			"ऑर्डर हिस्ट्री देखी: इस बारे में पहले कोई संपर्क नहीं हुआ।",
			"ग्राहक ईमेल से संपर्क चाहते हैं, फ़ोन से नहीं।",
		},
		escalate: "इसके लिए विशेषज्ञ की ज़रूरत है – Technical टीम को भेज रहे हैं। टिकट की ज़िम्मेदारी मेरे पास ही रहेगी; कृपया ग्राहक को इसी थ्रेड में जवाब दें।",
	},
}

// supervisorNotes are what the supervisor adds to complaints (in English).
var supervisorNotes = []string{
	"Reviewed – approved a {amount} goodwill voucher. Please include it in the final reply.",
	"Spoke to the carrier's account manager about this route; keep me posted.",
	"Good handling so far. Follow up with the customer as soon as the carrier replies.",
}

// person is a name: in its own script, with its Latin spelling for email
// addresses (the same when the script is Latin).
type person struct {
	text, latin string
	male        bool
}

// Given names and family names per language. Vietnamese names are family,
// middle and given name; the others given name first.
var (
	enGiven = []person{
		{"Oliver", "oliver", true}, {"Emily", "emily", false}, {"James", "james", true}, {"Sophie", "sophie", false},
		{"Harry", "harry", true}, {"Charlotte", "charlotte", false}, {"Thomas", "thomas", true}, {"Grace", "grace", false},
		{"George", "george", true}, {"Amelia", "amelia", false}, {"Jack", "jack", true}, {"Hannah", "hannah", false},
		{"William", "william", true}, {"Lucy", "lucy", false}, {"Mohammed", "mohammed", true}, {"Aisha", "aisha", false},
		{"Liam", "liam", true}, {"Megan", "megan", false}, {"Ethan", "ethan", true}, {"Chloe", "chloe", false},
	}
	enFamily = []person{
		{"Smith", "smith", true}, {"Jones", "jones", true}, {"Taylor", "taylor", true}, {"Brown", "brown", true},
		{"Williams", "williams", true}, {"Wilson", "wilson", true}, {"Davies", "davies", true}, {"Robinson", "robinson", true},
		{"Wright", "wright", true}, {"Thompson", "thompson", true}, {"Evans", "evans", true}, {"Walker", "walker", true},
		{"Roberts", "roberts", true}, {"Green", "green", true}, {"Hall", "hall", true}, {"Wood", "wood", true},
		{"Clarke", "clarke", true}, {"Patel", "patel", true}, {"Khan", "khan", true}, {"O'Connor", "oconnor", true},
		{"Murphy", "murphy", true}, {"MacLeod", "macleod", true},
	}
	fiGiven = []person{
		{"Aino", "", false}, {"Eeva", "", false}, {"Päivi", "", false}, {"Sanna", "", false}, {"Tuula", "", false},
		{"Riikka", "", false}, {"Hanna", "", false}, {"Leena", "", false}, {"Satu", "", false}, {"Kerttu", "", false},
		{"Sirkka", "", false}, {"Mervi", "", false}, {"Jouni", "", true}, {"Matti", "", true}, {"Timo", "", true},
		{"Jyrki", "", true}, {"Eero", "", true}, {"Väinö", "", true}, {"Kalle", "", true}, {"Ilkka", "", true},
		{"Pekka", "", true}, {"Heikki", "", true}, {"Antti", "", true}, {"Jörgen", "", true},
	}
	fiFamily = []person{
		{"Äijälä", "", true}, {"Mäkelä", "", true}, {"Hämäläinen", "", true}, {"Jääskeläinen", "", true},
		{"Pöllänen", "", true}, {"Kärkkäinen", "", true}, {"Määttä", "", true}, {"Väisänen", "", true},
		{"Nieminen", "", true}, {"Lehtonen", "", true}, {"Koskinen", "", true}, {"Heikkilä", "", true},
		{"Räsänen", "", true}, {"Öhman", "", true}, {"Törmänen", "", true}, {"Korhonen", "", true},
		{"Hyvönen", "", true}, {"Lähteenmäki", "", true}, {"Söderholm", "", true}, {"Järvinen", "", true},
		{"Kääriäinen", "", true}, {"Ylönen", "", true}, {"Peltonen", "", true}, {"Salminen", "", true},
	}
	viFamily = []person{
		{"Nguyễn", "", true}, {"Trần", "", true}, {"Lê", "", true}, {"Phạm", "", true}, {"Hoàng", "", true},
		{"Huỳnh", "", true}, {"Phan", "", true}, {"Vũ", "", true}, {"Võ", "", true}, {"Đặng", "", true},
		{"Bùi", "", true}, {"Đỗ", "", true}, {"Hồ", "", true}, {"Ngô", "", true}, {"Dương", "", true}, {"Lý", "", true},
	}
	viMiddleMale   = []string{"Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Gia"}
	viMiddleFemale = []string{"Thị", "Ngọc", "Thu", "Thanh", "Kim", "Bích", "Mỹ", "Phương"}
	viGiven        = []person{
		{"An", "", true}, {"Bình", "", true}, {"Cường", "", true}, {"Dũng", "", true}, {"Hải", "", true},
		{"Hùng", "", true}, {"Khoa", "", true}, {"Long", "", true}, {"Nam", "", true}, {"Phúc", "", true},
		{"Quân", "", true}, {"Sơn", "", true}, {"Thắng", "", true}, {"Tuấn", "", true}, {"Việt", "", true},
		{"Chi", "", false}, {"Dung", "", false}, {"Hà", "", false}, {"Hạnh", "", false}, {"Hằng", "", false},
		{"Hương", "", false}, {"Lan", "", false}, {"Linh", "", false}, {"Mai", "", false}, {"Nhung", "", false},
		{"Thảo", "", false}, {"Trang", "", false}, {"Vy", "", false}, {"Yến", "", false}, {"Ngân", "", false},
	}
	hiGiven = []person{
		{"अमित", "Amit", true}, {"सुनीता", "Sunita", false}, {"राहुल", "Rahul", true}, {"अंजलि", "Anjali", false},
		{"विकास", "Vikas", true}, {"नेहा", "Neha", false}, {"संजय", "Sanjay", true}, {"पूजा", "Pooja", false},
		{"रोहित", "Rohit", true}, {"कविता", "Kavita", false}, {"दीपक", "Deepak", true}, {"मीना", "Meena", false},
		{"आकाश", "Aakash", true}, {"स्नेहा", "Sneha", false}, {"मनोज", "Manoj", true}, {"रेखा", "Rekha", false},
		{"सुरेश", "Suresh", true}, {"आरती", "Aarti", false}, {"गौरव", "Gaurav", true}, {"शालिनी", "Shalini", false},
		{"नितिन", "Nitin", true}, {"रश्मि", "Rashmi", false},
	}
	hiFamily = []person{
		{"शर्मा", "Sharma", true}, {"वर्मा", "Verma", true}, {"गुप्ता", "Gupta", true}, {"सिंह", "Singh", true},
		{"कुमार", "Kumar", true}, {"पटेल", "Patel", true}, {"यादव", "Yadav", true}, {"जोशी", "Joshi", true},
		{"अग्रवाल", "Agarwal", true}, {"मिश्रा", "Mishra", true}, {"चौहान", "Chauhan", true}, {"त्रिपाठी", "Tripathi", true},
		{"श्रीवास्तव", "Srivastava", true}, {"पांडे", "Pandey", true}, {"रेड्डी", "Reddy", true}, {"नायर", "Nair", true},
		{"देसाई", "Desai", true}, {"बंसल", "Bansal", true},
	}
)
