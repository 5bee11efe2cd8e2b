// Store copy for the demo: category texts, product descriptions and specs, reviews.
// The catalog (examples/catalog.json) stays the source of truth for ids, names, prices and
// stock; this file only adds the words a real shop would show. A product that is missing here
// still gets a page, with generic copy for its category.

export const STORE = {
  name: 'Trailhead Outfitters',
  tagline: 'Outdoor gear, tested on the trail',
  freeShippingOver: 99,
  shippingFlat: 8.95,
  returnDays: 60,
  reviewCount: 12480,
};

// Category display order, then any category the catalog adds.
export const CATEGORY_ORDER = ['tents', 'backpacks', 'boots', 'jackets', 'accessories'];

export const CATEGORIES = {
  tents: {
    title: 'Tents',
    singular: 'tent',
    heroTitle: 'Shelter for every kind of night out',
    heroText:
      'From a one-person fastpacking shelter to a stand-up family cabin. Every tent is pitched and checked by our staff before it ships.',
    slimHero: 'Not sure which size you need? See every tent side by side.',
    slimCta: ['Compare tents', '/compare'],
    tone: 'forest',
  },
  backpacks: {
    title: 'Backpacks',
    singular: 'pack',
    heroTitle: 'Carry it all, comfortably',
    heroText: 'Day packs, weekend packs and expedition haulers, fitted to your torso by people who hike.',
    slimHero: 'Free pack fitting in every store, and a 60-day trail test at home.',
    slimCta: ['All backpacks', '/category/backpacks'],
    tone: 'dusk',
  },
  boots: {
    title: 'Boots & Shoes',
    singular: 'boot',
    heroTitle: 'Footwear that goes the distance',
    heroText:
      'Waterproof mids, grippy low hikers and fast trail runners. Walk them in for 60 days; if they pinch, send them back.',
    slimHero: 'Walk them in for 60 days. If they pinch, send them back.',
    slimCta: ['All footwear', '/category/boots'],
    tone: 'earth',
  },
  jackets: {
    title: 'Jackets',
    singular: 'jacket',
    heroTitle: 'Layers for wind, rain and cold',
    heroText:
      'Rain shells, warm down and breathable softshells that layer together, so you pack less and stay comfortable.',
    slimHero: 'Build a three-layer system: fleece, down and a shell that blocks the storm.',
    slimCta: ['All jackets', '/category/jackets'],
    tone: 'lake',
  },
  accessories: {
    title: 'Accessories',
    singular: 'item',
    heroTitle: 'The small things that make camp',
    heroText: 'Light, water, warmth and a hot meal: the essentials that turn a hike into a trip.',
    slimHero: 'Round out your kit: sleep systems, light, water and camp kitchen.',
    slimCta: ['All accessories', '/category/accessories'],
    tone: 'ember',
  },
};

// Copy per product id: summary, description, features, specs ([label, value]).
export const PRODUCTS = {
  'tent-summit-2p': {
    bestFor: 'Backpacking for two',
    summary: 'A freestanding two-person dome that sets up in three minutes and shrugs off high wind.',
    description:
      'The Summit 2P is our best all-rounder: two doors and two vestibules so nobody climbs over anybody, a steep-walled dome that sheds wind from any side, and colour-coded clips you can find with cold hands. At 3 lb 8 oz it is light enough for long trips and roomy enough to sit up and play cards when the weather turns.',
    features: [
      'Two doors, two vestibules',
      'Colour-coded, hubbed pole set',
      'Fully taped 20D ripstop fly',
      'Ceiling light pocket and four mesh pockets',
    ],
    specs: {
      sleeps: '2',
      weight: '3 lb 8 oz',
      floor: '29 sq ft',
      peak: '41 in',
      doors: '2',
      seasons: '3+',
      packed: '18 × 6 in',
      freestanding: 'Yes',
    },
  },
  'tent-basecamp-4p': {
    bestFor: 'Car camping with friends',
    summary: 'Four-person basecamp with a huge front vestibule for boots, packs and a rainy-day kitchen.',
    description:
      'Basecamp 4P is built for car camping and short hike-ins with friends. Near-vertical walls make the whole floor usable, the front vestibule swallows four packs, and the tub floor keeps everyone dry when the ground gets soggy.',
    features: [
      'Vertical walls, usable floor to the corners',
      'Large front vestibule with awning mode',
      'Bathtub floor, 150D polyester',
      'Stargazing mesh roof with half-fly option',
    ],
    specs: {
      sleeps: '4',
      weight: '9 lb 2 oz',
      floor: '58 sq ft',
      peak: '60 in',
      doors: '2',
      seasons: '3',
      packed: '25 × 9 in',
      freestanding: 'Yes',
    },
  },
  'tent-ultralight-1p': {
    bestFor: 'Solo thru-hikes',
    summary: 'A sub-two-pound solo shelter that pitches with one trekking pole.',
    description:
      'Featherlite 1P is for thru-hikers and fastpackers who count every ounce. One trekking pole and six stakes give you a taut, quiet shelter with a full-length side door and enough headroom to change out of wet layers.',
    features: [
      'Pitches with one trekking pole',
      'Silnylon fly, 15D mesh inner',
      'Side entry with large vestibule',
      'Packs smaller than a water bottle',
    ],
    specs: {
      sleeps: '1',
      weight: '1 lb 15 oz',
      floor: '20 sq ft',
      peak: '39 in',
      doors: '1',
      seasons: '3',
      packed: '14 × 5 in',
      freestanding: 'Semi (trekking pole)',
    },
  },
  'tent-family-6p': {
    bestFor: 'Family campgrounds',
    summary: 'A stand-up cabin tent with a divider, so the whole family sleeps well.',
    description:
      'Meadow 6P gives everyone room: stand-up height in the middle, a removable divider for two rooms, and big windows for a breeze on summer nights. Colour-coded poles mean two adults can pitch it in ten minutes, even with help from the kids.',
    features: [
      'Stand-up 76 in peak height',
      'Removable room divider',
      'Large windows with storm flaps',
      'E-port for a power cable',
    ],
    specs: {
      sleeps: '6',
      weight: '17 lb 4 oz',
      floor: '90 sq ft',
      peak: '76 in',
      doors: '2',
      seasons: '3',
      packed: '27 × 11 in',
      freestanding: 'Yes',
    },
  },
  'pack-ridge-45': {
    summary: 'A 45-litre weekend pack with an adjustable torso and a ventilated back panel.',
    description:
      'The Ridge 45 carries two to four nights of gear without fuss. The torso length adjusts in seconds, the suspended mesh back keeps you cool on the climbs, and hip-belt pockets hold your snacks and phone within reach.',
    features: [
      'Adjustable torso, 16–21 in',
      'Suspended mesh back panel',
      'Hip-belt pockets, stretch side pockets',
      'Hydration sleeve and rain cover',
    ],
    specs: { volume: '45 L', weight: '3 lb 4 oz', torso: '16–21 in', frame: 'Internal aluminium', hydration: 'Yes' },
  },
  'pack-daytrip-22': {
    summary: 'A light day pack that holds a layer, lunch and two litres of water.',
    description:
      'Daytrip 22 is the pack you grab without thinking. A padded laptop-ready sleeve doubles as a hydration pocket, the front stash pocket swallows a rain shell, and the sternum strap has a built-in whistle.',
    features: ['Front stash pocket', 'Hydration sleeve', 'Sternum strap with whistle', 'Reflective accents'],
    specs: { volume: '22 L', weight: '1 lb 6 oz', torso: 'One size', frame: 'Framesheet', hydration: 'Yes' },
  },
  'pack-expedition-70': {
    summary: 'A 70-litre hauler for week-long trips and winter loads.',
    description:
      'Expedition 70 carries heavy loads with a stiff frame and a hip belt that moulds to you. Front U-zip access means no digging from the top, and the lid detaches into a summit pack.',
    features: [
      'Load-lifter frame for 50+ lb',
      'Front U-zip access',
      'Detachable lid becomes a summit pack',
      'Ice-axe and pole loops',
    ],
    specs: {
      volume: '70 L',
      weight: '4 lb 14 oz',
      torso: '17–22 in',
      frame: 'Internal alloy + HDPE',
      hydration: 'Yes',
    },
  },
  'pack-kids-15': {
    summary: 'A small pack sized for young hikers, with a whistle and reflective trim.',
    description:
      'Trail Kids 15 makes little hikers feel like the real thing: a proper hip belt, a water bottle pocket on each side, and bright colours that are easy to spot on the trail.',
    features: ['Sized for ages 5–10', 'Two bottle pockets', 'Whistle on the sternum strap', 'Reflective trim'],
    specs: { volume: '15 L', weight: '14 oz', torso: '11–14 in', frame: 'Foam back', hydration: 'No' },
  },
  'boot-granite-mid': {
    summary: 'A waterproof mid hiker with ankle support and a grippy lugged outsole.',
    description:
      'Granite Mid is the boot we recommend most for three-season hiking. A waterproof membrane keeps your feet dry at stream crossings, the mid cut steadies your ankle on loose rock, and it needs almost no break-in.',
    features: [
      'Waterproof, breathable membrane',
      'Mid-cut ankle support',
      '5 mm lugs for mud and scree',
      'Recycled mesh and leather upper',
    ],
    specs: {
      weight: '2 lb 6 oz (pair)',
      cut: 'Mid',
      waterproof: 'Yes',
      drop: '12 mm',
      outsole: 'Sticky rubber, 5 mm lugs',
    },
  },
  'boot-canyon-low': {
    summary: 'A breathable low hiker for warm days and well-kept trails.',
    description:
      'Canyon Low feels like a sneaker and grips like a boot. The airy mesh upper keeps your feet cool in desert heat and the rock plate takes the sting out of sharp stones.',
    features: ['Breathable mesh upper', 'Rock plate underfoot', 'Toe bumper', 'Quick-dry lining'],
    specs: { weight: '1 lb 14 oz (pair)', cut: 'Low', waterproof: 'No', drop: '10 mm', outsole: 'Rubber, 4 mm lugs' },
  },
  'boot-alpine-gtx': {
    summary: 'A stiff, warm, fully waterproof boot for snow and off-trail scrambles.',
    description:
      'Alpine GTX is for the days that start with frost. A high, stiff ankle, a waterproof leather upper and a welt for strap-on crampons make it the boot for shoulder-season peaks.',
    features: [
      'Waterproof full-grain leather',
      'Crampon-compatible rear welt',
      'Insulated for cold mornings',
      'Rubber rand all around',
    ],
    specs: {
      weight: '3 lb 2 oz (pair)',
      cut: 'High',
      waterproof: 'Yes',
      drop: '14 mm',
      outsole: 'Stiff rubber, 6 mm lugs',
    },
  },
  'shoe-trail-runner': {
    summary: 'A light, cushioned trail runner with a grippy, fast-draining sole.',
    description:
      'The Trail Runner is light, springy and surefooted. Many of our staff hike in it all summer: it drains fast after creek crossings and dries on your feet.',
    features: [
      'Cushioned foam midsole',
      'Fast-draining mesh',
      'Gaiter attachment points',
      '4 mm multidirectional lugs',
    ],
    specs: { weight: '1 lb 5 oz (pair)', cut: 'Low', waterproof: 'No', drop: '6 mm', outsole: 'Rubber, 4 mm lugs' },
  },
  'jacket-stormshell': {
    summary: 'A fully waterproof 2.5-layer rain jacket that packs into its own pocket.',
    description:
      'Stormshell keeps the rain out and lets the steam out. A helmet-compatible hood, pit zips and taped seams make it the shell you forget is there until you need it.',
    features: [
      '2.5-layer waterproof, breathable fabric',
      'Pit zips for venting',
      'Adjustable, helmet-compatible hood',
      'Packs into its chest pocket',
    ],
    specs: { weight: '11 oz', waterproof: '20,000 mm', insulation: 'None', fit: 'Regular', packable: 'Yes' },
  },
  'jacket-down-hoodie': {
    summary: 'A warm 800-fill down hoodie that compresses to the size of a water bottle.',
    description:
      'Ember is the warmth you want at camp and on cold summits. Responsibly sourced 800-fill down, a water-resistant shell and a snug hood make it the layer you keep reaching for.',
    features: [
      '800-fill certified down',
      'Water-resistant ripstop shell',
      'Insulated hood',
      'Stuffs into its hand pocket',
    ],
    specs: {
      weight: '13 oz',
      waterproof: 'Water resistant',
      insulation: '800-fill down',
      fit: 'Regular',
      packable: 'Yes',
    },
  },
  'jacket-fleece': {
    summary: 'A soft, breathable midlayer fleece with a half-zip collar.',
    description:
      'Ridgeline is the fleece that goes from the trailhead to the pub. Grid fleece breathes on the climb and traps warmth at the top, and it layers cleanly under a shell.',
    features: [
      'Breathable grid fleece',
      'Half-zip for venting',
      'Zippered chest pocket',
      'Made from recycled polyester',
    ],
    specs: { weight: '10 oz', waterproof: 'No', insulation: 'Grid fleece', fit: 'Slim', packable: 'No' },
  },
  'jacket-softshell': {
    summary: 'A stretchy, wind-resistant softshell for fast days in changeable weather.',
    description:
      'Crag moves with you on scrambles and shrugs off wind and light showers. Four-way stretch, a low-profile hood and a brushed lining make it a great do-everything layer.',
    features: ['Four-way stretch', 'Wind resistant, DWR finish', 'Low-profile hood', 'Brushed inner face'],
    specs: {
      weight: '15 oz',
      waterproof: 'Water resistant',
      insulation: 'Light brushed lining',
      fit: 'Athletic',
      packable: 'No',
    },
  },
  'acc-headlamp': {
    summary: 'A 400-lumen rechargeable headlamp with a red night mode.',
    description:
      'Beacon 400 lights the trail when sunset comes sooner than planned. USB-C charging, a lock mode for the pack and a red light that keeps your night vision at camp.',
    features: ['400 lumens, 90 m beam', 'USB-C rechargeable', 'Red night mode', 'Lock mode for packing'],
    specs: { weight: '3 oz', output: '400 lumens', runtime: 'Up to 60 h (low)', battery: 'Rechargeable, USB-C' },
  },
  'acc-trekking-poles': {
    summary: 'Light carbon trekking poles that fold to 15 inches.',
    description:
      'Carbon poles take the load off your knees on the descents. Cork grips wick sweat, the quick locks adjust with gloves on, and they fold small enough to fit inside a day pack.',
    features: ['Carbon shafts', 'Cork grips with foam extension', 'Quick-lock length adjust', 'Folds to 15 in'],
    specs: { weight: '15 oz (pair)', length: '43–51 in', material: 'Carbon fibre', packed: '15 in' },
  },
  'acc-water-filter': {
    summary: 'A squeeze filter that makes streams and lakes safe to drink.',
    description:
      'Clearflow screws onto standard bottles and soft flasks, removes 99.9999% of bacteria and protozoa, and filters a litre in about a minute.',
    features: [
      '0.1 micron hollow fibre',
      'Fits standard bottle threads',
      'Backflush to clean',
      'Filters up to 100,000 gal',
    ],
    specs: { weight: '3 oz', flow: '1 L per minute', lifespan: '100,000 gal', material: 'Hollow fibre' },
  },
  'acc-stove': {
    summary: 'A compact canister stove that boils a litre in three and a half minutes.',
    description:
      'Flicker folds to the size of an egg and boils fast even in a breeze. Push-button ignition and a wide pot support handle everything from a mug to a family pot.',
    features: ['Push-button ignition', 'Wind-resistant burner', 'Folding pot supports', 'Carry case included'],
    specs: { weight: '3.1 oz', boil: '3.5 min per litre', fuel: 'Isobutane canister', output: '10,000 BTU' },
  },
  'acc-sleeping-bag': {
    summary: 'A warm mummy bag rated to -5 °C, with a draft collar and hood.',
    description:
      'Duskfall keeps you warm through frosty spring and autumn nights. A contoured hood, a draft collar and an anti-snag zip give a cosy night, and it packs down into the included compression sack.',
    features: [
      'Comfort rating -5 °C / 23 °F',
      'Draft collar and contoured hood',
      'Anti-snag two-way zip',
      'Compression sack included',
    ],
    specs: { weight: '2 lb 9 oz', rating: '-5 °C / 23 °F', fill: 'Synthetic', packed: '8 × 15 in' },
  },
  'acc-sleeping-pad': {
    summary: 'An insulated air pad that is warm, quiet and three inches thick.',
    description:
      'Cloudrest turns rocky ground into a mattress. The baffled air chambers keep you level, a reflective layer holds your warmth, and the one-way valve inflates it in a dozen breaths.',
    features: ['3 in thick, quiet fabric', 'R-value 4.2', 'Fast one-way valve', 'Pump sack included'],
    specs: { weight: '1 lb 2 oz', rvalue: '4.2', size: '72 × 21 in', thickness: '3 in' },
  },
};

// Spec labels, in display order (a product shows the ones it has).
export const SPEC_LABELS = {
  sleeps: 'Sleeps',
  weight: 'Weight',
  floor: 'Floor area',
  peak: 'Peak height',
  doors: 'Doors',
  seasons: 'Seasons',
  packed: 'Packed size',
  freestanding: 'Freestanding',
  volume: 'Volume',
  torso: 'Torso fit',
  frame: 'Frame',
  hydration: 'Hydration sleeve',
  cut: 'Cut',
  waterproof: 'Waterproof',
  drop: 'Heel-to-toe drop',
  outsole: 'Outsole',
  insulation: 'Insulation',
  fit: 'Fit',
  packable: 'Packs into pocket',
  output: 'Output',
  runtime: 'Runtime',
  battery: 'Battery',
  length: 'Length',
  material: 'Material',
  flow: 'Flow rate',
  lifespan: 'Lifespan',
  boil: 'Boil time',
  fuel: 'Fuel',
  rating: 'Temperature rating',
  fill: 'Fill',
  rvalue: 'R-value',
  size: 'Size',
  thickness: 'Thickness',
};

// Products shown in the winter collection (when present in the catalog).
export const WINTER_COLLECTION = [
  'jacket-down-hoodie',
  'acc-sleeping-bag',
  'boot-alpine-gtx',
  'jacket-softshell',
  'jacket-stormshell',
  'acc-sleeping-pad',
  'pack-expedition-70',
  'acc-headlamp',
];

// A few customer reviews for the reviews page and product pages.
export const REVIEWS = [
  {
    product: 'tent-summit-2p',
    author: 'Maya R.',
    place: 'Boulder, CO',
    stars: 5,
    title: 'Bombproof on a windy ridge',
    text: 'Camped above treeline with gusts all night. The Summit did not flap once and we both slept. Setup in the dark took three minutes.',
  },
  {
    product: 'tent-basecamp-4p',
    author: 'Luis and Ana G.',
    place: 'Flagstaff, AZ',
    stars: 5,
    title: 'Room for us, the kids and the dog',
    text: 'The vestibule is the best part: boots, packs and the dog bed all fit outside the sleeping area. Stayed dry through a monsoon storm.',
  },
  {
    product: 'boot-granite-mid',
    author: 'Priya S.',
    place: 'Portland, OR',
    stars: 4,
    title: 'Comfortable from day one',
    text: 'No break-in needed, and my feet stayed dry crossing streams. Runs a little narrow, so I went half a size up.',
  },
  {
    product: 'pack-ridge-45',
    author: 'Tom W.',
    place: 'Asheville, NC',
    stars: 5,
    title: 'Carries like a bigger pack',
    text: 'Did four nights on the Art Loeb trail with this. The back panel really does keep you cooler, and the hip-belt pockets are big enough for a phone.',
  },
  {
    product: 'jacket-stormshell',
    author: 'Hannah K.',
    place: 'Seattle, WA',
    stars: 5,
    title: 'Finally a shell that breathes',
    text: 'Pit zips make all the difference on the climbs. It has kept me dry through a full day of Pacific Northwest drizzle.',
  },
  {
    product: 'acc-sleeping-pad',
    author: 'Jordan P.',
    place: 'Bishop, CA',
    stars: 5,
    title: 'Side sleepers rejoice',
    text: 'Three inches is the magic number. Warm on frozen ground in the Sierra and not crinkly like my old pad.',
  },
  {
    product: 'shoe-trail-runner',
    author: 'Sam D.',
    place: 'Salt Lake City, UT',
    stars: 4,
    title: 'Fast and grippy',
    text: 'Great on dry rock and drains quickly. I would like a little more cushion for very long days, but for anything under 20 miles it is perfect.',
  },
  {
    product: 'acc-headlamp',
    author: 'Eli M.',
    place: 'Missoula, MT',
    stars: 5,
    title: 'Bright, light and USB-C',
    text: 'The red mode is great at camp, and charging from the same cable as my phone is a win.',
  },
  {
    product: 'jacket-down-hoodie',
    author: 'Grace L.',
    place: 'Anchorage, AK',
    stars: 5,
    title: 'My favourite layer',
    text: 'Warm enough for fall evenings at camp and packs into its own pocket. I wear it around town all winter too.',
  },
];
