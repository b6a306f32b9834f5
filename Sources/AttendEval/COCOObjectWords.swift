// MARK: - COCO's 80 object categories and the words that name them
//
// Provenance: written by hand for this project (attend, same licence as the code). It follows the idea of
// Rohrbach et al. 2018 ("Object Hallucination in Image Captioning"), who mapped the words captions use onto the 80
// MS-COCO object categories through synonym lists; the lists below are this project's own, not a copy of theirs.
//
// Format: one category a line, `category: name, name, ...`. A name may be several words ("teddy bear"). Regular
// plurals are made by ObjectWords (the last word + s / es / ies); irregular ones are listed ("men", "knives").
// The longest name wins, so "hot dog" is a hot dog and never a dog, "sheep dog" a dog and never a sheep, and
// "baseball player" a person and no ball. The `-` line lists phrases that name no COCO object but contain a word
// that would ("baseball field" names no ball, "train tracks" no train, "chair lift" no chair).
//
// Left out on purpose: words that are more often something else in captions. "orange" alone (a colour far more
// often than the fruit; "oranges" counts), "bat" (the animal, the verb), "glass" (windows), "bag", "board",
// "cycle", "cook" and "pitcher" (a jug, as often as a player).

let cocoObjectTable = """
    person: person, people, man, men, woman, women, boy, girl, child, children, kid, baby, babies, toddler, infant, \
    guy, lady, ladies, gentleman, gentlemen, adult, teenager, teen, youngster, human, player, skier, surfer, \
    skateboarder, snowboarder, biker, cyclist, bicyclist, rider, climber, swimmer, runner, jogger, dancer, worker, \
    mother, father, mom, dad, son, daughter, brother, sister, friend, family, families, crowd, spectator, \
    policeman, policemen, police officer, officer, chef, soldier, student, tourist, pedestrian, batter, catcher, \
    umpire, goalie, wrestler, athlete, hiker, performer, musician, guitarist, drummer, singer, bride, groom, male, \
    female, individual, someone, somebody, passenger, businessman, businessmen, cowboy, fireman, firemen, \
    fisherman, fishermen, bus driver, train conductor, ski instructor, baseball player, basketball player, football player, \
    volleyball player, softball player, tennis player, baseball team, football team
    bicycle: bicycle, bike, mountain bike, bmx bike, bmx
    car: car, automobile, taxi, cab, van, suv, jeep, sedan, race car, racecar
    motorcycle: motorcycle, motorbike, motor bike, dirt bike, scooter, moped
    airplane: airplane, aeroplane, plane, jet, airliner, aircraft, jetliner
    bus: bus, busses
    train: train, locomotive, tram, streetcar
    truck: truck, lorry, pickup truck, fire truck, firetruck
    boat: boat, ship, kayak, canoe, sailboat, yacht, raft, ferry, rowboat, speedboat, motorboat
    traffic light: traffic light, stop light, stoplight, traffic signal
    fire hydrant: fire hydrant, hydrant
    stop sign: stop sign
    parking meter: parking meter
    bench: bench
    bird: bird, pigeon, seagull, gull, duck, goose, geese, swan, parrot, owl, eagle, hawk, sparrow, pelican, \
    flamingo, penguin, heron, rooster, hen, dove
    cat: cat, kitten, kitty, kitties
    dog: dog, puppy, puppies, pup, doggy, doggie, hound, terrier, poodle, collie, retriever, labrador, greyhound, \
    dachshund, beagle, bulldog, chihuahua, pug, husky, huskies, german shepherd, sheepdog, sheep dog, dalmatian, \
    spaniel, schnauzer, rottweiler, pit bull, pitbull, corgi, sled dog
    horse: horse, pony, ponies, foal, stallion, mare, colt
    sheep: sheep, lamb, ewe
    cow: cow, cattle, bull, calf, calves, ox, oxen
    elephant: elephant
    bear: bear, grizzly, grizzlies, polar bear
    zebra: zebra
    giraffe: giraffe
    backpack: backpack, back pack, rucksack, knapsack
    umbrella: umbrella, parasol
    handbag: handbag, hand bag, purse
    tie: tie, necktie, bow tie
    suitcase: suitcase, suit case, luggage
    frisbee: frisbee
    skis: ski, skis
    snowboard: snowboard
    sports ball: ball, football, soccer ball, basketball, volleyball, tennis ball, baseball, softball, beach ball
    kite: kite
    baseball bat: baseball bat
    baseball glove: baseball glove, mitt
    skateboard: skateboard, skate board
    surfboard: surfboard, surf board, boogie board, bodyboard
    tennis racket: tennis racket, racket, racquet
    bottle: bottle
    wine glass: wine glass, wineglass
    cup: cup, mug, coffee cup
    fork: fork
    knife: knife, knives
    spoon: spoon
    bowl: bowl
    banana: banana
    apple: apple
    sandwich: sandwich, burger, hamburger, cheeseburger
    orange: oranges
    broccoli: broccoli
    carrot: carrot
    hot dog: hot dog, hotdog
    pizza: pizza
    donut: donut, doughnut
    cake: cake, cupcake, cheesecake
    chair: chair, armchair, stool
    couch: couch, sofa
    potted plant: potted plant, plant, houseplant
    bed: bed
    dining table: dining table, table, picnic table
    toilet: toilet, urinal
    tv: tv, television
    laptop: laptop, computer, laptop computer
    mouse: mouse, mice, computer mouse
    remote: remote, remote control, controller
    keyboard: keyboard
    cell phone: cell phone, cellphone, phone, mobile phone, smartphone, telephone
    microwave: microwave
    oven: oven, stove
    toaster: toaster
    sink: sink
    refrigerator: refrigerator, fridge
    book: book
    clock: clock
    vase: vase
    scissors: scissors
    teddy bear: teddy bear, teddy, stuffed bear
    hair drier: hair drier, hair dryer, hairdryer, blow dryer
    toothbrush: toothbrush, tooth brush
    -: baseball game, baseball field, baseball diamond, baseball cap, baseball uniform, basketball game, \
    basketball court, basketball hoop, football game, football field, football uniform, volleyball game, \
    volleyball net, softball game, tennis court, tennis match, tennis game, \
    bus stop, bus station, train station, train track, train tracks, bird feeder, birdhouse, bird house, \
    ski slope, ski lift, ski resort, ski pole, ski jacket, ski suit, bike path, bike lane, bike rack, \
    chair lift, toilet paper, book shelf, table cloth, table tennis, mouse pad, cat walk, phone booth, \
    skateboard park, skateboard ramp, ball pit
    """
