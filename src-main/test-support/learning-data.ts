/**
 * Small chat datasets the learning tests write: 32 questions in four topics, each topic with one
 * fixed answer, so a model that learns must read the topic word from the prompt; or the same 32
 * questions all answered alike (prefix tuning on the random 2-layer tiny model learns a fixed reply
 * but, measured, not the topic routing: its loss plateaus near 0.25 with mixed-up answers).
 */
import { writeFileSync } from 'node:fs';

export const TOPIC_ANSWERS: Record<string, string> = {
  capital: 'Paris.',
  color: 'Blue sky.',
  animal: 'A cat.',
  number: 'Seven.',
};

const FRAMES = [
  'Tell me about the {t}.',
  'What {t} is it?',
  'Quick question: {t}?',
  'Do you know the {t}?',
  'Name the {t}.',
  '{t}, please.',
  'Which {t}?',
  'I ask about the {t}.',
];

export const SHARED_ANSWER = 'Blue sky.';

export function learningChats(oneAnswer = false): { messages: { role: 'user' | 'assistant'; content: string }[] }[] {
  const out: { messages: { role: 'user' | 'assistant'; content: string }[] }[] = [];
  for (const frame of FRAMES) {
    for (const [topic, answer] of Object.entries(TOPIC_ANSWERS)) {
      out.push({
        messages: [
          { role: 'user', content: frame.replace('{t}', topic) },
          { role: 'assistant', content: oneAnswer ? SHARED_ANSWER : answer },
        ],
      });
    }
  }
  return out;
}

export function writeLearningData(path: string, oneAnswer = false): string {
  writeFileSync(
    path,
    learningChats(oneAnswer)
      .map((c) => JSON.stringify(c))
      .join('\n') + '\n',
  );
  return path;
}
