// The nine goals a spoken command names (crate/src/world/goal.rs): their codes in tasks and
// links, what the corpus says, and where they are in the maze.
export const GOALS = [
  { code: 'ne', command: 'north east', place: 'north-east corner' },
  { code: 'nw', command: 'north west', place: 'north-west corner' },
  { code: 'se', command: 'south east', place: 'south-east corner' },
  { code: 'sw', command: 'south west', place: 'south-west corner' },
  { code: 'center', command: 'center', place: 'the centre' },
  { code: 'tree', command: 'tree', place: 'the tree' },
  { code: 'house', command: 'house', place: 'the house' },
  { code: 'bird', command: 'bird', place: 'the bird' },
  { code: 'dog', command: 'dog', place: 'the dog' },
];

/** The landmarks, in the order of the maze's `landmarks` cells. */
export const LANDMARKS = ['tree', 'house', 'bird', 'dog'];

export const goal = (code) => GOALS.find((g) => g.code === code);
/** The goal's code of a task's name, without start region, maze, moves, listening and exits
 * ("ne" for "ne@near/7x7:16~6|nw"), as `Task::goal_part` reads it. */
export const goalCode = (task) => task.split(/[@/:~|]/)[0];
