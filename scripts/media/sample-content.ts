/** What the generated samples say: phrase banks per EMI emotion and for BAH confident/hesitant speech. */

export const EMOTIONS = ['Admiration', 'Amusement', 'Determination', 'Empathic Pain', 'Excitement', 'Joy'] as const;
export type Emotion = (typeof EMOTIONS)[number];

export const PHRASES: Record<Emotion | 'Neutral', string[]> = {
  Admiration: [
    'I really admire how she handled that, it was brilliant.',
    'What an impressive achievement, truly remarkable work.',
    'He is so talented, I look up to him so much.',
    'That performance was masterful, I am in awe.',
  ],
  Amusement: [
    'Ha, that was hilarious, I could not stop laughing.',
    'That joke was so silly, it really cracked me up.',
    'The cat fell off the sofa, it was so funny.',
    'Oh that is ridiculous, what a funny story.',
  ],
  Determination: [
    'I will finish this no matter what it takes.',
    'We are going to keep pushing until we win.',
    'Nothing will stop me, I am ready to work hard.',
    'I have decided, and I will see it through.',
  ],
  'Empathic Pain': [
    'It hurts to see them suffering like that.',
    'I feel so sorry for what they are going through.',
    'That poor family lost everything, it breaks my heart.',
    'Watching him cry was so painful for me.',
  ],
  Excitement: [
    'Wow, I can not wait, this is going to be amazing!',
    'We are leaving tomorrow, I am so thrilled!',
    'Yes, we got the tickets, this is incredible!',
    'Oh my goodness, the show starts tonight!',
  ],
  Joy: [
    'I am so happy today, everything feels wonderful.',
    'This makes me smile, what a lovely day.',
    'We are together again and I feel so glad.',
    'What a beautiful surprise, I am full of joy.',
  ],
  Neutral: [
    'The meeting starts at nine in the morning.',
    'I put the keys on the kitchen table.',
    'The train leaves from platform four.',
    'Please send me the report by Friday.',
  ],
};

export const POSITIVE_GROUP: Emotion[] = ['Amusement', 'Excitement', 'Joy'];

export const CONFIDENT = [
  'I exercise three times a week.',
  'Eating well matters to me.',
  'I quit smoking last year.',
  'My doctor says I am fine.',
  'I walk to work every day.',
  'I sleep eight hours a night.',
  'I cook vegetables every evening.',
  'I drink plenty of water.',
];

export const HESITANT = [
  'Um, I am not sure, maybe.',
  'Well, uh, perhaps next month.',
  'Hmm, I guess, it is hard to say.',
  'I mean, maybe, I have not decided.',
  'Uh, I want to, but, um.',
  'Well, sort of, I am torn.',
];
